# Ablation, Table 3 "MoG (K=3)" (paper: 65.6%): a mixture of three Gaussians,
# means starting at 1/4, 2/4, 3/4. Temporal stream of HMDB51 split 1,
# otherwise datp_tsn_r34_hmdb51_flow.py (K=2, Table 3's best row).
_base_ = '../datp_tsn_r34_hmdb51_flow.py'

model = dict(cls_head=dict(weight_generator=dict(num_gaussians=3)))
