# Ablation, Table 3 "discrete weights" (paper: 63.1%): the aux net (conv
# features, 3 conv + 2 fc) outputs N=10 weights directly (softplus-positive)
# instead of the parameters of a mixture of Gaussians. Temporal stream of
# HMDB51 split 1, otherwise datp_tsn_r34_hmdb51_flow.py. Discrete weights
# exist only for the N segments trained with: test with --pooling datp and
# N=10 (or avg).
_base_ = '../datp_tsn_r34_hmdb51_flow.py'

model = dict(
    cls_head=dict(
        weight_generator=dict(
            _delete_=True,  # no num_gaussians
            type='DiscreteWeightGenerator',
            num_segments=10)))  # must equal the head's num_segments
