#!/usr/bin/env bash
# Every GPU check of mmdatp in one run, for a single-GPU machine (CUDA):
#   env.txt        GPU, driver, torch / numpy / mmaction versions
#   gpu_tests.txt  the CUDA tests of the head: pinned, non-blocking times,
#                  the fused MoG+pooling path with no host sync, CPU == CUDA
#   flow_cuda.txt  TV-L1 in PyTorch: pairs/s at 340x256 per batch size and
#                  the projected HMDB51 / UCF101 extraction time
#   loader.txt     the input pipelines: videos/s per worker, workers needed,
#                  and training it/s with real loading against model-only
#   amp.txt        DATP's overhead over TSN under AMP, fused and unfused
# Each step has its own time limit (seconds; the whole run stays under
# about 7 minutes), in the order of what no other run measures, a failing step does not stop the others, and the exit
# status says whether all passed. The output files are what
# docs/en/benchmarks.md and docs/en/data_preparation.md quote.
#
# Usage: tools/benchmark/device_checks.sh OUT_DIR   (from the repo root)
set -u
OUT_DIR=${1:?usage: $0 OUT_DIR}
PYTHON=${PYTHON:-python}
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
    tail -n 25 "$OUT_DIR/$name.txt"
    echo "=== $name: status $rc after $((SECONDS - start))s" \
        | tee -a "$OUT_DIR/$name.txt"
    [ "$rc" -eq 0 ] || status=1
}

# fail fast: nothing below means anything without a GPU and the stack
step env 60 "$PYTHON" -c "
import torch, numpy, mmengine, mmaction, mmdatp
assert torch.cuda.is_available(), 'no CUDA device'
print(torch.cuda.get_device_name(0), 'torch', torch.__version__,
      'cuda', torch.version.cuda, 'numpy', numpy.__version__,
      'mmengine', mmengine.__version__, 'mmaction', mmaction.__version__)
" || exit 1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv \
    >>"$OUT_DIR/env.txt" 2>&1

step gpu_tests ${GPU_TESTS_LIMIT:-60} "$PYTHON" -m pytest -q -p no:cacheprovider \
    tests/test_models/test_heads/test_datp_head_gpu_path.py \
    tests/test_models/test_heads/test_datp_head_fused.py -k cuda -rA
step loader ${LOADER_LIMIT:-140} "$PYTHON" tools/benchmark/loader_benchmark.py \
    --device cuda --e2e
ONLY=amp PYTHON=$PYTHON bash tools/benchmark/gpu_overhead.sh "$OUT_DIR" \
    || status=1
step flow_cuda ${FLOW_LIMIT:-150} "$PYTHON" tools/benchmark/flow_benchmark.py \
    --device cuda --video tests/data/videos/test.mp4 --no-extractor \
    --modes eager cudagraphs --batch-sizes 256 512 --pairs 512
exit $status
