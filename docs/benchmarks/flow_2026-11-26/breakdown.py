"""Where the GPU time of TVL1Flow goes: median, step, warp (eager and
compiled), one batch of 256 real pairs at 340x256, with synchronisation
around each timed call (so the totals are slower than free-running)."""
import sys, time, importlib.util
import torch
spec = importlib.util.spec_from_file_location('T', 'mmdatp/datasets/preparation/tvl1_torch.py')
T = importlib.util.module_from_spec(spec); spec.loader.exec_module(T)
spec = importlib.util.spec_from_file_location('fb', 'tools/benchmark/flow_benchmark.py')
frames = None
import cv2, numpy as np
cap = cv2.VideoCapture('tests/data/videos/test.mp4'); fr = []
while len(fr) < 257:
    ok, f = cap.read()
    if not ok: break
    fr.append(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY))
fr = fr + fr[-2::-1]; fr = np.stack(fr[:257])
prev = torch.from_numpy(fr[:-1]).cuda(); nxt = torch.from_numpy(fr[1:]).cuda()
for compiled in (False, True):
    stats = {'median': [0.0, 0], 'step': [0.0, 0], 'warp': [0.0, 0]}
    om, ow = T._median_blur, T._warp_bicubic
    def wrap(f, k):
        def g(*a, **kw):
            torch.cuda.synchronize(); s = time.perf_counter(); r = f(*a, **kw)
            torch.cuda.synchronize(); stats[k][0] += time.perf_counter() - s; stats[k][1] += 1; return r
        return g
    m = T.TVL1Flow(compile=compiled)
    m(prev[:8], nxt[:8])  # warm-up / compile
    T._median_blur = wrap(om, 'median'); T._warp_bicubic = wrap(ow, 'warp')
    step = m._compiled_step or m._step
    m._compiled_step = wrap(step, 'step')
    torch.cuda.synchronize(); s = time.perf_counter(); m(prev, nxt); torch.cuda.synchronize(); tot = time.perf_counter() - s
    T._median_blur, T._warp_bicubic = om, ow
    print('compiled' if compiled else 'eager', 'total %.2f s for 256 pairs' % tot,
          {k: '%.2f s / %d calls' % (v[0], v[1]) for k, v in stats.items()},
          'iterations per level', m.last_iterations, flush=True)
# the median alone at full size, B=256: unfold+median vs sort
u = torch.randn(256, 2, 256, 340, device='cuda')
for name, f in (('median', lambda: T._median_blur(u, 5)),):
    f(); torch.cuda.synchronize(); s = time.perf_counter()
    for _ in range(5): f()
    torch.cuda.synchronize(); print(name, '%.1f ms per call at 256x2x256x340' % ((time.perf_counter() - s) / 5 * 1e3))
