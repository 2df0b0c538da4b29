# Ablation, Table 1 row 2 (paper: 66.0%) = Table 3 "MoG (K=1)" (66.0%): conv
# features [N, 7, 7, 512] into "3 conv + 2 fc" (Table 2 right), one Gaussian
# (K=1). Temporal stream of HMDB51 split 1, otherwise
# datp_tsn_r34_hmdb51_flow.py (which is Table 3's K=2 row).
_base_ = '../datp_tsn_r34_hmdb51_flow.py'

model = dict(cls_head=dict(weight_generator=dict(num_gaussians=1)))
