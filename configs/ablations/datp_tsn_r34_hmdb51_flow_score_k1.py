# Ablation, Table 1 row 1 (paper: 65.4%): the aux net regresses the temporal
# weights from the softmax scores [N, C] of the segments ("2 conv + 2 fc",
# Table 2 left) instead of the conv features; one Gaussian (K=1). Temporal
# stream of HMDB51 split 1, otherwise datp_tsn_r34_hmdb51_flow.py.
_base_ = '../datp_tsn_r34_hmdb51_flow.py'

model = dict(
    cls_head=dict(
        aux_net=dict(
            _delete_=True,  # no spatial_size: the scores are vectors
            type='DATPScoreAuxNet',
            conv_channels=32,  # [3, 1, 1] conv, 32 and [3, C, 32] conv, 32
            num_fcs=2,
            fc_channels=128),
        weight_generator=dict(num_gaussians=1)))
