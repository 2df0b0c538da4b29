# The plain TSN baseline on the spatial (RGB) stream of Kinetics-400: the data,
# pipeline and schedule of datp_tsn_r34_kinetics400.py (MMAction2's TSN
# Kinetics-400 schedule, see there), with TSN's own head -- average
# consensus of the segment logits -- instead of DATP's, as in
# tsn_r34_hmdb51.py.
_base_ = './datp_tsn_r34_kinetics400.py'

model = dict(
    cls_head=dict(
        _delete_=True,
        type='TSNHead',
        num_classes=400,
        in_channels=512,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.4,
        init_std=0.01,
        average_clips='prob'))
