"""Turn command-line choices into config changes (kept testable here)."""
import os.path as osp
from typing import Iterator, List, Optional

from mmengine.config import Config, ConfigDict

#: testing schemes of the paper (Table 4) and what they mean
POOLING_SCHEMES = {
    'datp': 'adaptive temporal weights from the aux net (DATP row)',
    'avg': 'average of the per-segment softmax scores (P2, P3)',
    'random': 'mixture of random Gaussians (P1)',
}
SAMPLERS = ('DATPSampleFrames', 'SampleFrames', 'SampleFeatureSegments')


def find_transforms(pipeline: List[dict],
                    types=SAMPLERS) -> Iterator[ConfigDict]:
    """Yield the transforms of ``pipeline`` whose type is in ``types``."""
    for step in pipeline or []:
        if step.get('type') in types:
            yield step


def _set_work_dir(cfg: Config, work_dir: Optional[str],
                  config_path: Optional[str]) -> None:
    """``--work-dir``, else the config's, else ``./work_dirs/<config>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        name = osp.splitext(osp.basename(config_path or 'run'))[0]
        cfg.work_dir = osp.join('./work_dirs', name)


def setup_train_cfg(cfg: Config,
                    work_dir: Optional[str] = None,
                    config_path: Optional[str] = None,
                    amp: bool = False,
                    resume: Optional[str] = None,
                    auto_scale_lr: bool = False,
                    no_validate: bool = False,
                    launcher: str = 'none',
                    seed: Optional[int] = None,
                    deterministic: bool = False) -> Config:
    """Apply MMAction2's ``tools/train.py`` flags to ``cfg``.

    Args:
        cfg (Config): The loaded config (changed in place and returned).
        work_dir (str, optional): ``--work-dir``; defaults to the config's
            ``work_dir`` or ``./work_dirs/<config name>``.
        config_path (str, optional): Path of the config, to name work_dir.
        amp (bool): ``--amp``: mixed precision through ``AmpOptimWrapper``.
        resume (str, optional): ``--resume``: 'auto' for the latest
            checkpoint of work_dir, or a checkpoint path.
        auto_scale_lr (bool): ``--auto-scale-lr``.
        no_validate (bool): ``--no-validate``: skip validation.
        launcher (str): ``--launcher``: none, pytorch or slurm.
        seed (int, optional): ``--seed``.
        deterministic (bool): ``--deterministic``.

    ``RNGStateHook`` is added to ``custom_hooks`` (once), so that
    checkpoints carry the random state and a resumed run reproduces the
    uninterrupted one.

    Returns:
        Config: ``cfg``.
    """
    cfg.launcher = launcher
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(isinstance(h, dict) and h.get('type') == 'RNGStateHook'
               for h in hooks):
        cfg.custom_hooks = hooks + [dict(type='RNGStateHook')]
    _set_work_dir(cfg, work_dir, config_path)
    if amp:
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            pass
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        cfg.resume, cfg.load_from = True, resume
    if auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict('
                             'base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True
    if no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if seed is not None or deterministic:
        randomness = cfg.get('randomness', {})
        if seed is not None:
            randomness['seed'] = seed
        randomness['deterministic'] = deterministic
        cfg.randomness = randomness
    return cfg


def use_synthetic_data(cfg: Config,
                       data_root: str,
                       num_classes: int,
                       size: Optional[int] = None,
                       num_workers: Optional[int] = None,
                       batch_size: Optional[int] = None) -> Config:
    """Point a video config at a dataset made by ``make_synthetic_dataset``.

    Args:
        cfg (Config): A config with VideoDataset loaders (e.g.
            ``configs/datp_tsn_r34_synthetic.py``), changed in place.
        data_root (str): The dataset directory (holds ``{split}_list.txt``).
        num_classes (int): Number of classes of the dataset.
        size (int, optional): Input resolution; sets every ``Resize`` and the
            conv aux net's ``spatial_size`` (size // 32, at least 1).
        num_workers (int, optional): Data loader workers (0: in process).
        batch_size (int, optional): Videos per batch.

    Returns:
        Config: ``cfg``.
    """
    cfg.model.cls_head.num_classes = num_classes
    aux = cfg.model.cls_head.get('aux_net')
    if size is not None and aux is not None and 'spatial_size' in aux:
        aux.spatial_size = max(size // 32, 1)
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is None:
            continue
        loader.dataset.ann_file = osp.join(data_root, f'{split}_list.txt')
        loader.dataset.data_prefix = dict(video=data_root)
        if num_workers is not None:
            loader.num_workers = num_workers
            loader.persistent_workers = num_workers > 0
        if batch_size is not None:
            loader.batch_size = batch_size
        for step in loader.dataset.pipeline:
            if step.type == 'Resize' and size is not None:
                step.scale = (size, size)
    return cfg


def set_pooling(cfg: Config,
                pooling: str,
                num_segments: Optional[int] = None,
                random_seed: Optional[int] = None) -> Config:
    """Select a testing scheme of Table 4 on a DATP or plain TSN config.

    ``avg`` works on a plain ``TSNHead`` config too: its head is swapped for
    a :class:`DATPHead` with ``pooling='avg'``, which reuses the checkpoint's
    ``fc_cls`` and averages softmax scores (not logits, as TSN's consensus
    does). ``num_segments`` changes the segments sampled by the test
    pipeline (e.g. 25 for P2/P3); ``datp``/``random`` need it to equal the
    N the head was trained with.

    Args:
        cfg (Config): Loaded config, changed in place.
        pooling (str): 'datp', 'avg' or 'random'.
        num_segments (int, optional): Segments per test video.
        random_seed (int, optional): Seed of the random Gaussians (P1).

    Returns:
        Config: ``cfg``.
    """
    if pooling not in POOLING_SCHEMES:
        raise ValueError(f'--pooling must be one of {list(POOLING_SCHEMES)}'
                         f', got {pooling!r}')
    head = cfg.model.cls_head
    if head.type == 'TSNHead':
        if pooling != 'avg':
            raise ValueError(
                f'--pooling {pooling} needs a DATP model (cls_head type '
                "DATPHead); a plain TSN checkpoint supports '--pooling avg'")
        cfg.model.cls_head = ConfigDict(
            type='DATPHead',
            num_classes=head.num_classes,
            in_channels=head.in_channels,
            spatial_type=head.get('spatial_type', 'avg'),
            pooling='avg',
            aux_net=None,  # nothing to regress: the checkpoint has none
            dropout_ratio=head.get('dropout_ratio', 0.4),
            average_clips='prob')
        head = cfg.model.cls_head
    elif head.type != 'DATPHead':
        raise ValueError(f'--pooling needs cls_head DATPHead or TSNHead, '
                         f'the config has {head.type!r}')
    head.pooling = pooling
    if random_seed is not None:
        head.random_seed = random_seed
    trained_n = head.get('num_segments', 10)
    if num_segments is not None:
        if pooling != 'avg' and num_segments != trained_n:
            raise ValueError(
                f'--pooling {pooling} pools the N={trained_n} segments the '
                f'model was trained with; --num-segments {num_segments} is '
                'only possible with --pooling avg')
        set_test_segments(cfg, num_segments)
    return cfg


def set_test_segments(cfg: Config, num_segments: int) -> Config:
    """Sample ``num_segments`` segments per test video, pooling unchanged.

    A plain TSN tests this way with its own consensus (the mean of the
    segment logits) over any number of segments; a DATP head with
    ``pooling='datp'`` or ``'random'`` needs the N it was trained with
    (see :func:`set_pooling`).

    Args:
        cfg (Config): Loaded config, changed in place.
        num_segments (int): Segments per test video, >= 1.

    Returns:
        Config: ``cfg``.
    """
    if isinstance(num_segments, bool) or not isinstance(num_segments, int) \
            or num_segments < 1:
        raise ValueError(f'--num-segments must be an int >= 1, got '
                         f'{num_segments!r}')
    steps = list(find_transforms(cfg.test_dataloader.dataset.pipeline))
    if not steps:
        raise ValueError('--num-segments: the test pipeline has no '
                         f'{" or ".join(SAMPLERS)} step to change')
    for step in steps:
        key = 'num_clips' if step.type == 'SampleFrames' else 'num_segments'
        step[key] = num_segments
    return cfg


def setup_test_cfg(cfg: Config,
                   checkpoint: str,
                   work_dir: Optional[str] = None,
                   config_path: Optional[str] = None,
                   dump: Optional[str] = None,
                   pooling: Optional[str] = None,
                   num_segments: Optional[int] = None,
                   random_seed: Optional[int] = None,
                   launcher: str = 'none') -> Config:
    """Apply ``tools/test.py`` flags to ``cfg`` (see its ``--help``)."""
    cfg.launcher = launcher
    _set_work_dir(cfg, work_dir, config_path)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    cfg.load_from = checkpoint
    if pooling is not None or num_segments is not None:
        set_pooling(cfg, pooling or cfg.model.cls_head.get('pooling', 'datp'),
                    num_segments, random_seed)
    if dump is not None:
        if not dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must name a .pkl or .pickle file, got '
                             f'{dump!r}')
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = list(evaluators) + [
            dict(type='DumpResults', out_file_path=dump)
        ]
    return cfg
