#!/usr/bin/env bash
# The flow checks of issue 20 in one run on a single-GPU machine (CUDA),
# most important first, each step with its own time limit (seconds):
#   env.txt          GPU, driver, torch version
#   flow_rows.txt    TV-L1 through the extractor at short side 256, videos
#                    in flight sharing device batches: eager / CUDA graphs,
#                    float32 / bfloat16 / float16, each with its EPE to
#                    OpenCV (REFS) and to eager float32
#                    (flow_extractor_benchmark.py; rows in flow_rows.jsonl)
#   loader_q95.txt   flow training input / model-only (flow_frames, JPEG
#   loader_q75.txt   quality 95, then 75)
#   baseline.txt     the previous extractor: one video at a time
#   compile.txt      torch.compile'd blocks, bfloat16, in flight
# A failing step does not stop the others; the exit status says whether
# all passed. DEVICE=cpu and small FLOW_ARGS give a dry run on a CPU.
#
# Usage: tools/benchmark/flow_device_checks.sh OUT_DIR  (from the repo root)
set -u
OUT_DIR=${1:?usage: $0 OUT_DIR}
PYTHON=${PYTHON:-python}
DEVICE=${DEVICE:-cuda}
REFS=${REFS:-opencv_refs.npz}
FLOW_ARGS=${FLOW_ARGS:---videos 12}
LOADER_ARGS=${LOADER_ARGS:---iters 30}
mkdir -p "$OUT_DIR"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
status=0

step() {
    local name=$1 limit=$2
    shift 2
    echo "=== $name: $* (limit ${limit}s)" | tee -a "$OUT_DIR/$name.txt"
    local start=$SECONDS
    timeout "$limit" "$@" >>"$OUT_DIR/$name.txt" 2>&1
    local rc=$?
    tail -n 12 "$OUT_DIR/$name.txt"
    echo "=== $name: status $rc after $((SECONDS - start))s" \
        | tee -a "$OUT_DIR/$name.txt"
    [ "$rc" -eq 0 ] || status=1
}

FLOW="tools/benchmark/flow_extractor_benchmark.py --device $DEVICE"
FLOW="$FLOW --refs $REFS --json $OUT_DIR/flow_rows.jsonl"
step env 60 "$PYTHON" -c "
import torch, mmdatp
print(torch.__version__, torch.cuda.is_available() and
      torch.cuda.get_device_name(0), mmdatp.__file__)" || exit 1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv \
    >>"$OUT_DIR/env.txt" 2>&1
# shellcheck disable=SC2086
step flow_rows ${ROWS_LIMIT:-200} "$PYTHON" $FLOW $FLOW_ARGS --rows \
    eager:float32 eager:bfloat16 graphs:bfloat16 eager:float16 \
    graphs:float32
if [ "$DEVICE" = cuda ]; then
    for q in 95 75; do
        step loader_q$q ${LOADER_LIMIT:-95} "$PYTHON" \
            tools/benchmark/loader_benchmark.py --device cuda --e2e \
            --no-rates --pipelines flow_frames --jpeg-quality $q \
            $LOADER_ARGS
    done
fi
# shellcheck disable=SC2086
step baseline ${BASELINE_LIMIT:-45} "$PYTHON" $FLOW $FLOW_ARGS \
    --videos 4 --rows --baseline
# shellcheck disable=SC2086
step compile ${COMPILE_LIMIT:-60} "$PYTHON" $FLOW $FLOW_ARGS \
    --rows compile:bfloat16
exit $status
