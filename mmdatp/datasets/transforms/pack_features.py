"""Pack sampled per-segment features as the model inputs."""
from typing import Dict, Sequence

from mmaction.datasets.transforms import PackActionInputs
from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackFeatureInputs(PackActionInputs):
    """``PackActionInputs`` for features: ``inputs`` is one (N, D) tensor.

    ``PackActionInputs`` packs ``imgs``/``audios``/... as ``inputs``, or a
    dict of ``collect_keys``. This packs ``results[feature_key]`` itself, so
    the default ``ActionDataPreprocessor`` stacks a batch into (B, N, D)
    for :class:`~mmdatp.models.FeatureRecognizer`. Labels, meta keys and
    algorithm keys are handled by ``PackActionInputs``.

    Args:
        feature_key (str): Key of the (N, D) array. Defaults to 'feats'.
        meta_keys (Sequence[str]): Meta keys of the data sample.
            Defaults to ``('filename', 'total_frames')``.
        algorithm_keys (Sequence[str]): Extra fields of the data sample;
            ``segment_times`` carries the ``t_i`` of Eq. 1 to the head.
            Defaults to ``('segment_times',)``.
    """

    def __init__(self,
                 feature_key: str = 'feats',
                 meta_keys: Sequence[str] = ('filename', 'total_frames'),
                 algorithm_keys: Sequence[str] = ('segment_times', )) -> None:
        if not isinstance(feature_key, str) or not feature_key:
            raise ValueError('PackFeatureInputs: feature_key must be a '
                             f'non-empty str, got {feature_key!r}')
        super().__init__(
            collect_keys=(feature_key, ),
            meta_keys=meta_keys,
            algorithm_keys=algorithm_keys)
        self.feature_key = feature_key

    def transform(self, results: Dict) -> Dict:
        """Pack ``results[feature_key]`` as ``inputs`` plus a data sample."""
        if self.feature_key not in results:
            raise KeyError(
                f'PackFeatureInputs: results have no {self.feature_key!r} '
                f'(keys: {sorted(results)}); put SampleFeatureSegments '
                'before it in the pipeline')
        packed = super().transform(results)
        packed['inputs'] = packed['inputs'][self.feature_key]
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(feature_key='
                f'{self.feature_key!r}, meta_keys={self.meta_keys}, '
                f'algorithm_keys={self.algorithm_keys})')
