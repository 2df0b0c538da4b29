"""A recognizer that pools sequences of precomputed per-segment features."""
from typing import Dict, Tuple

import torch
from mmaction.models.recognizers import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import OptConfigType, OptSampleList
from mmengine.model import BaseModel


@MODELS.register_module()
class FeatureRecognizer(BaseRecognizer):
    """Recognizer without a backbone: its inputs are per-segment features.

    DATP pools any sequence of per-segment vectors, not only the conv
    features of a TSN backbone. This recognizer takes N precomputed feature
    (or score) vectors per video, e.g. as sampled by
    ``SampleFeatureSegments`` from ``.npy`` files, passes each through an
    optional ``neck`` (any module mapping (B*N, D) to (B*N, D'), such as a
    small MLP) and hands them to a head with the ``forward(x, num_segs)``
    contract, typically ``DATPHead(spatial_type=None)`` with
    ``DATPFeatureAuxNet`` or ``DATPScoreAuxNet``::

        inputs (B, N, D) -> (B*N, D) -neck-> (B*N, D') -cls_head(num_segs=N)

    ``segment_times`` packed into the data samples reach the head as with
    ``Recognizer2D``.

    Args:
        cls_head (dict): Config of the head; its ``in_channels`` must be D
            (or the neck's output width) and its ``spatial_type`` None.
        neck (dict, optional): Config of a per-segment module applied to the
            (B*N, D) features. Defaults to None.
        train_cfg (dict, optional): Unused, kept for the recognizer
            interface. Defaults to None.
        test_cfg (dict, optional): Unused, kept for the recognizer
            interface. Defaults to None.
        data_preprocessor (dict, optional): Defaults to an
            ``ActionDataPreprocessor`` without mean/std, which stacks the
            (N, D) inputs into (B, N, D) float32.
    """

    def __init__(self,
                 cls_head: Dict,
                 neck: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        if cls_head is None:
            raise ValueError('FeatureRecognizer: cls_head is required (got '
                             'None); e.g. dict(type="DATPHead", '
                             'spatial_type=None, ...)')
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        # BaseRecognizer.__init__ insists on building a backbone; there is
        # none here, so set up the BaseModel part directly.
        BaseModel.__init__(self, data_preprocessor=data_preprocessor)
        self.backbone_from = 'mmaction2'
        if neck is not None:
            self.neck = MODELS.build(neck)
        self.cls_head = MODELS.build(cls_head)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    def extract_feat(self,
                     inputs: torch.Tensor,
                     stage: str = 'neck',
                     data_samples: OptSampleList = None,
                     test_mode: bool = False,
                     **kwargs) -> Tuple[torch.Tensor, Dict]:
        """Flatten (B, N, D) inputs into (B*N, D) and apply the neck.

        Args:
            inputs (torch.Tensor): Per-segment features of shape (B, N, D).
            stage (str): 'backbone' returns the flattened inputs before the
                neck, 'neck' after it, 'head' the head's scores.
                Defaults to 'neck'.
            data_samples (list, optional): Unused. Defaults to None.
            test_mode (bool): Unused. Defaults to False.

        Returns:
            tuple[torch.Tensor, dict]: Features of shape (B*N, D') and the
            keyword arguments for the head (``num_segs=N``).
        """
        if inputs.dim() != 3:
            raise ValueError(
                'FeatureRecognizer expects inputs of shape (B, N, D) '
                f'(videos, segments, feature dim), got {tuple(inputs.shape)}')
        if stage not in ('backbone', 'neck', 'head'):
            raise ValueError("FeatureRecognizer: stage must be 'backbone', "
                             f"'neck' or 'head', got {stage!r}")
        b, n, d = inputs.shape
        head_kwargs = dict(num_segs=n)
        x = inputs.reshape(b * n, d)
        if stage == 'backbone':
            return x, head_kwargs
        if self.with_neck:
            x = self.neck(x)
        if stage == 'head':
            return self.cls_head(x, **head_kwargs), head_kwargs
        return x, head_kwargs
