"""Videos given as sequences of precomputed per-segment features."""
import os.path as osp
from typing import Callable, Dict, List, Optional, Union

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS
from mmengine.fileio import exists, list_from_file

from .transforms.feature_sampler import load_feature_array


@DATASETS.register_module()
class SegmentFeatureDataset(BaseActionDataset):
    """Precomputed features (or scores) per video, one ``.npy`` per video.

    DATP pools any sequence of per-segment vectors (paper Sec. 3). Here each
    video is a ``(T, D)`` array: T time steps (frames, snippets, ...) of a
    D-dimensional feature or of C class scores. The annotation file lists
    one video per line, ``<relative/path.npy> <label>``, e.g.::

        train/video_0001.npy 3
        train/video_0002.npy 0

    Paths are relative to ``data_prefix['feature']``. With ``check_files``
    every file is opened (header only, memory-mapped) when the list is
    loaded, so a missing file or a wrong shape fails at once, naming the
    file and the expected shape. The pipeline then samples the segments,
    typically ``SampleFeatureSegments`` + ``PackFeatureInputs``.

    Args:
        ann_file (str): Path of the annotation list.
        pipeline (list[dict | callable]): Data transforms.
        data_prefix (dict): ``dict(feature=<dir>)``, the directory the paths
            are relative to. Defaults to ``dict(feature='')``.
        feature_dim (int, optional): Expected D of every array; None
            accepts any (but still checks for 2-D arrays). Defaults to None.
        check_files (bool): Check every file when loading the list.
            Defaults to True.
        **kwargs: Other arguments of ``BaseActionDataset`` (``test_mode``,
            ``num_classes``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 data_prefix: Dict = dict(feature=''),
                 feature_dim: Optional[int] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        if feature_dim is not None and (not isinstance(feature_dim, int)
                                        or feature_dim < 1):
            raise ValueError('SegmentFeatureDataset: feature_dim must be None '
                             f'or an int >= 1, got {feature_dim!r}')
        self.feature_dim = feature_dim
        self.check_files = check_files
        super().__init__(
            ann_file, pipeline=pipeline, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Parse ``<path.npy> <label>`` lines; check the files if asked."""
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'SegmentFeatureDataset: annotation file {self.ann_file} '
                'does not exist')
        prefix = self.data_prefix.get('feature', '')
        data_list = []
        for lineno, line in enumerate(list_from_file(self.ann_file), 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit():
                raise ValueError(
                    f'SegmentFeatureDataset: line {lineno} of '
                    f'{self.ann_file} is {line!r}; expected '
                    '"<relative/path.npy> <integer label>"')
            filename = osp.join(prefix, parts[0]) if prefix else parts[0]
            info = dict(filename=filename, label=int(parts[1]))
            if self.check_files:
                arr = load_feature_array(filename, self.feature_dim)
                info['total_frames'] = int(arr.shape[0])
                del arr
            data_list.append(info)
        return data_list
