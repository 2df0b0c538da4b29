# TSN-ResNet34 whose consensus is DATP: conv-feature aux net (Table 2,
# right), mixture of K=2 Gaussians (the best row of Table 3), N=10 segments.
_base_ = './tsn_r34.py'

model = dict(
    cls_head=dict(
        _delete_=True,
        type='DATPHead',
        num_classes=51,
        in_channels=512,  # ResNet34's last stage
        # N, the same in training and testing (paper Sec. 4.2); must equal
        # num_segments of DATPSampleFrames in the data pipelines
        num_segments=10,
        # Auxiliary ConvNet on the last conv features (7x7x512 for 224 input)
        aux_net=dict(
            type='DATPConvAuxNet',
            spatial_size=7,  # input size / 32
            num_fcs=2,  # "3 conv + 2 fc" (Table 1)
            fc_channels=128),
        # Mixture of Gaussians; means start at k/(K+1), variance at 0.2.
        # normalize_components (not in the paper, set False for Eq. 1 as
        # printed): each Gaussian spreads its mixture weight over the
        # segments, so a Gaussian whose density vanishes at every segment
        # (mean outside [0, 1], or narrow between segments) cannot leave
        # the other to decide alone. With Eq. 1, K=2 scored 45.1 +- 42.0 on
        # the video `position` benchmark (5 seeds, 17.5-99.0); see
        # docs/en/benchmarks.md. K=1 is unchanged by it.
        weight_generator=dict(
            type='MoGWeightGenerator',
            num_gaussians=2,
            normalize_components=True),
        pooling='datp',  # tools/test.py --pooling overrides this
        score_mode='mixture',  # loss on log(S / sum S), see DATPHead
        dropout_ratio=0.8,
        init_std=0.001,
        average_clips='prob'))
