# Two entry points for a fresh machine (both idempotent, both create .venv):
#   make demo   generate the synthetic key-action dataset, train DATP on it
#               (CPU, a few minutes) and print its test accuracy
#   make test   run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.mmdatp-installed
DEMO_DATA := data/synthetic
DEMO_WORK := work_dirs/demo
DEMO_CFG  := configs/datp_tsn_r34_synthetic.py
# the demo's dataset: the key action fills a third of each 48-frame video
DEMO_SPEC := --key-len 16

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
	$(BIN)/python tools/data/make_synthetic.py $(DEMO_DATA) $(DEMO_SPEC)
	$(BIN)/python tools/train.py $(DEMO_CFG) --work-dir $(DEMO_WORK) --seed 0
	$(BIN)/python tools/test.py $(DEMO_CFG) "$$(cat $(DEMO_WORK)/last_checkpoint)" \
		--work-dir $(DEMO_WORK) --dump $(DEMO_WORK)/test_datp.pkl
	$(BIN)/python tools/test.py $(DEMO_CFG) "$$(cat $(DEMO_WORK)/last_checkpoint)" \
		--work-dir $(DEMO_WORK) --pooling avg

test: setup
	$(BIN)/python -m pytest -q tests

clean-demo:
	rm -rf $(DEMO_DATA) $(DEMO_WORK)
