import sys, time, numpy as np, torch, cv2
sys.path.insert(0, 'tests/test_data_prep'); sys.path.insert(0, 'tests')
from test_tvl1_torch import clip_pairs
from mmdatp.datasets.preparation.tvl1_torch import TVL1Flow
torch.set_num_threads(1)
for clip in ['test.avi', 'demo.mp4', 'test.mp4']:
    p, n = clip_pairs(clip, 2, short=64)
    p, n = torch.from_numpy(p), torch.from_numpy(n)
    ref = TVL1Flow()(p, n)
    for dt in ['float16', 'bfloat16']:
        t = time.time(); f = TVL1Flow(dtype=dt)(p, n)
        e = (f - ref).square().sum(-1).sqrt()
        print(clip, dt, 'EPE mean %.4f max %.3f' % (e.mean(), e.max()), '%.1fs' % (time.time() - t))
    g = TVL1Flow(compile='graphs')(p, n)
    print(clip, 'graphs equal', torch.equal(g, ref))
