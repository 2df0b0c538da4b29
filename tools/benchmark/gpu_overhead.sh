#!/usr/bin/env bash
# Runs the DATP overhead benchmark on one CUDA GPU in the four settings that
# README's "Overhead of DATP" reports, one table per file under OUT_DIR:
#   fp32.txt     train batch 32 x 10 x 224, test 10 segments x 1 view, a
#                control row with mmaction's host-side top-k accuracy, and
#                a torch.profiler table of one training iteration per model
#   amp.txt      fp16 autocast with a loss scaler (--amp), with the control,
#                and the DATP conv rows again with DATPHead(fused=True)
#                (--fused: fused / unfused ratios)
#   paper_test.txt   test on 25 segments x 10 crops per video (--paper-test)
#   compile.txt  torch.compile'd backbone and head (--compile)
# Each run has its own time limit (seconds), so one slow compile cannot eat
# the others. Usage: [ONLY="amp ..."] tools/benchmark/gpu_overhead.sh OUT_DIR
# (ONLY: run just the named settings)
set -u
OUT_DIR=${1:?usage: $0 OUT_DIR}
PYTHON=${PYTHON:-python}
BENCH="$(dirname "$0")/overhead_benchmark.py"
mkdir -p "$OUT_DIR"
export PYTHONUNBUFFERED=1
status=0
run() {
    local name=$1 limit=$2
    shift 2
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
        return
    fi
    echo "=== $name: $* (limit ${limit}s)"
    timeout "$limit" "$PYTHON" "$BENCH" --device cuda "$@" 2>&1 \
        | grep -v -e 'pkg_resources' -e '_bootstrap._exec' \
        | tee "$OUT_DIR/$name.txt"
    local rc=${PIPESTATUS[0]}
    if [ "$rc" -ne 0 ]; then
        echo "=== $name failed with status $rc" | tee -a "$OUT_DIR/$name.txt"
        status=1
    fi
}
run fp32 150 --repeats 30 --profile --host-topk-control
run amp 120 --amp --flops-size 0 --repeats 30 --host-topk-control --fused
run paper_test 120 --paper-test --flops-size 0
run compile ${COMPILE_LIMIT:-220} --compile --flops-size 0 --repeats 10 --warmup 3
exit $status
