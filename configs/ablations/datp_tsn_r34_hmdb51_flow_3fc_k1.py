# Ablation, Table 1 row 3 (paper: 65.9%): conv features into "3 conv + 3 fc"
# (one fully connected layer more than Table 2), one Gaussian (K=1).
# Temporal stream of HMDB51 split 1, otherwise datp_tsn_r34_hmdb51_flow.py.
_base_ = '../datp_tsn_r34_hmdb51_flow.py'

model = dict(
    cls_head=dict(
        aux_net=dict(num_fcs=3),  # fc, fc, then the regressor
        weight_generator=dict(num_gaussians=1)))
