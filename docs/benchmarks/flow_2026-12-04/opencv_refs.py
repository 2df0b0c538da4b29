"""OpenCV TV-L1 reference flow of 2 pairs per real clip at short side 256."""
import numpy as np, cv2, sys
sys.path.insert(0, 'tests/test_data_prep'); sys.path.insert(0, 'tests')
from test_tvl1_torch import clip_pairs
cv2.setNumThreads(1)
out = {}
tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
for clip in ['test.avi', 'demo.mp4', 'test.mp4']:
    p, n = clip_pairs(clip, 2, short=256)
    f = np.stack([tvl1.calc(a, b, None) for a, b in zip(p, n)])
    name = clip.replace('.', '_')
    out[name + '_prev'], out[name + '_next'] = p, n
    out[name + '_flow'] = f.astype(np.float32)
    print(clip, p.shape, np.abs(f).mean())
np.savez_compressed(sys.argv[1], **out)
