# Two entry points for a fresh machine (both idempotent, both create .venv):
#   make demo   on the synthetic 'position' task (the label is decided by the
#               last 30% of each video, an equal-strength action of another
#               class fills the rest), train a stock TSN-R34 and DATP
#               fine-tuned from it (CPU, about 7 minutes on 2 cores) and
#               print both, tested on 200 videos, side by side
#   make test   run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.mmdatp-installed
DEMO_WORK := work_dirs/demo
# one seed of the video benchmark: its stock TSN rows beside the paper's
# default DATP (conv features, K=2 Gaussians, with the configs' normalised
# components), then the record of the same rows over 10 seeds, so one seed
# is never the whole story; all models: docs/en/benchmarks.md
DEMO_RECORD := docs/benchmarks/finetune_lr_2026-12-07/position_seeds0-9.json
DEMO_ARGS := --task position --seeds 1 \
	--models tsn_more ft_conv_k2 \
	--record $(DEMO_RECORD) \
	--out $(DEMO_WORK)

.PHONY: setup demo test clean-demo

$(STAMP): requirements/runtime.txt requirements/tests.txt setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "pip<26.2" wheel "setuptools<81"
	$(BIN)/python -m pip install -q -r requirements/tests.txt
	# opencv-python (from mmcv-lite/mmengine) and opencv-contrib-python both
	# install cv2/, so the one pip happened to write last wins; reinstall the
	# pinned contrib build last so cv2.optflow (TV-L1 flow) is always there
	$(BIN)/python -m pip install -q --no-deps --force-reinstall \
		"$$(grep '^opencv-contrib-python==' requirements/runtime.txt)"
	$(BIN)/python -c "import cv2; cv2.optflow.DualTVL1OpticalFlow_create()"
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/python tools/benchmark/key_action_benchmark.py $(DEMO_ARGS)

# the suite in TEST_WORKERS processes (pytest-xdist), one file per worker
# at a time so module fixtures are built once; one torch thread each, so
# the workers share the cores instead of oversubscribing them
TEST_WORKERS ?= 2
test: setup
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q -n $(TEST_WORKERS) \
		--dist loadfile tests

clean-demo:
	rm -rf $(DEMO_WORK)
