"""Where DATP's temporal weights look, as a metric of ``tools/test.py``."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from ..localisation import window_attention
from ..results import _to_numpy

#: Per-video fields of a DATP prediction that the metric keeps
_FIELDS = ('datp_times', 'datp_attention', 'datp_rho', 'datp_mu',
           'datp_sigma', 'gt_label')


@METRICS.register_module()
class DATPLocalisationMetric(BaseMetric):
    """Attention that DATP's weights put on each video's known key window.

    For test sets whose key window is known (the synthetic tasks of
    :mod:`mmdatp.datasets.synthetic`), this reports
    :func:`mmdatp.evaluation.window_attention` during testing::

        data sample (datp_times, datp_attention (V, N), gt_label)
            + key window [lo, hi] in normalised time
            -> loc/key_attention  attention inside the window
               loc/uniform_share  fraction of segments inside it
               loc/key_ratio      their ratio (1: no better than avg pooling)
               loc/mu_corr, loc/sigma   (Gaussian weights only)

    Add it beside MMAction2's ``AccMetric``::

        test_evaluator = [dict(type='AccMetric'),
                          dict(type='DATPLocalisationMetric',
                               windows=[[0.7, 1.0], ...])]

    Args:
        windows (Sequence[Sequence[float]], optional): ``[lo, hi]`` of each
            test video, in dataset order. None reads ``key_window`` from
            each data sample (add it to ``PackActionInputs``'s
            ``meta_keys``). Defaults to None.
        labels (Sequence[int], optional): The label of each test video, in
            dataset order, to check that predictions arrive in that order.
            None skips the check. Defaults to None.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'loc'.
    """

    default_prefix: Optional[str] = 'loc'

    def __init__(self,
                 windows: Optional[Sequence[Sequence[float]]] = None,
                 labels: Optional[Sequence[int]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.windows = None if windows is None else \
            [self._window(w, f'windows[{i}]') for i, w in enumerate(windows)]
        if labels is not None and (self.windows is None
                                   or len(labels) != len(self.windows)):
            raise ValueError(
                'DATPLocalisationMetric: labels need windows of the same '
                f'length, got {len(labels)} labels and '
                f'{None if windows is None else len(windows)} windows')
        self.labels = None if labels is None else [int(x) for x in labels]

    @staticmethod
    def _window(window: Any, name: str) -> Tuple[float, float]:
        lo_hi = np.asarray(window, dtype=np.float64).reshape(-1)
        if lo_hi.size != 2 or not lo_hi[0] <= lo_hi[1]:
            raise ValueError(f'DATPLocalisationMetric: {name} must be '
                             f'[lo, hi] with lo <= hi, got {window!r}')
        return float(lo_hi[0]), float(lo_hi[1])

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            if 'datp_attention' not in sample:
                raise ValueError(
                    'DATPLocalisationMetric: the prediction has no '
                    'datp_attention; test with DATP pooling')
            kept = {
                k: _to_numpy(sample[k]).copy()
                for k in _FIELDS if k in sample
            }
            if 'key_window' in sample:
                kept['key_window'] = self._window(sample['key_window'],
                                                  'key_window')
            self.results.append(kept)

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        if self.windows is None:
            if not all('key_window' in r for r in results):
                raise ValueError(
                    'DATPLocalisationMetric: give windows=[...] or a '
                    "'key_window' in every data sample's metainfo")
            windows = [r['key_window'] for r in results]
        else:
            if len(results) != len(self.windows):
                raise ValueError(
                    f'DATPLocalisationMetric: {len(self.windows)} windows '
                    f'for {len(results)} test videos')
            windows = self.windows
        labels = self.labels if self.labels is not None else [
            int(r['gt_label'].reshape(-1)[0]) for r in results
        ]
        return window_attention(results, windows, labels)
