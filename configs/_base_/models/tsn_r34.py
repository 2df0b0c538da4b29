# TSN with a ResNet34 backbone (the paper's backbone), built on MMAction2's
# stock TSN model config.
_base_ = 'mmaction::_base_/models/tsn_r50.py'

custom_imports = dict(imports=['mmdatp'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        # MMAction2's ResNet; with in_channels != 3 (stacked flow) conv1 gets
        # TSN's cross-modality initialisation from the RGB filters
        type='CrossModalityResNet',
        depth=34,
        # ImageNet initialisation, as in the paper: torchvision's ResNet34,
        # downloaded once into ~/.cache/torch. Offline, pass a copy with
        #   --cfg-options model.backbone.pretrained=checkpoints/resnet34.pth
        # or None to train from scratch (the tests and the synthetic demo).
        pretrained='torchvision://resnet34',
        # TSN freezes the statistics of all BN layers but the first.
        partial_bn=True,
        norm_eval=False),
    cls_head=dict(num_classes=51, in_channels=512, dropout_ratio=0.8))
