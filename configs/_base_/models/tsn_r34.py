# TSN with a ResNet34 backbone (the paper's backbone), built on MMAction2's
# stock TSN model config.
_base_ = 'mmaction::_base_/models/tsn_r50.py'

custom_imports = dict(imports=['mmdatp'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        depth=34,
        # ImageNet initialisation: set to a torchvision ResNet34 checkpoint
        # (path or URL), e.g. with
        #   --cfg-options model.backbone.pretrained=checkpoints/resnet34.pth
        # None trains from scratch (tests run offline).
        pretrained=None,
        # TSN freezes the statistics of all BN layers but the first.
        partial_bn=True,
        norm_eval=False),
    cls_head=dict(num_classes=51, in_channels=512, dropout_ratio=0.8))
