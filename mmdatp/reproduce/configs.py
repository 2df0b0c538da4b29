"""The training and testing configs of a reproduction, built from the
project's configs with overrides (nothing about the model is hard-coded
here): data paths, number of classes, sizes, segments and schedule.

``configs/tsn_r34_<dataset>[_flow].py`` gives the TSN and
``configs/datp_tsn_r34_<dataset>[_flow].py`` the DATP head and its
recipe; whatever those say (weight generator, aux net, dropout,
``lr_mult`` of the aux net) is what runs. The data loaders are turned
into rawframes loaders over ``W/rawframes`` whatever the configs read
(videos or rawframes): decoding steps become ``RawFrameDecode``.
"""
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.config import Config, ConfigDict

from .plan import MODELS, Scale, epochs

#: the repository holding ``configs/`` (``mmdatp/reproduce`` is 2 below)
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_INITS = ('DecordInit', 'OpenCVInit', 'PyAVInit')
_DECODES = ('DecordDecode', 'OpenCVDecode', 'PyAVDecode', 'RawFrameDecode')
_SAMPLERS = ('DATPSampleFrames', 'SampleFrames')


def config_file(dataset: str, stream: str, kind: str,
                configs_dir: Optional[str] = None) -> str:
    """The project's config of ``kind`` ('tsn' or 'datp') for a stream.

    Args:
        dataset (str): 'ucf101' or 'hmdb51'.
        stream (str): 'rgb' or 'flow'.
        kind (str): 'tsn' or 'datp'.
        configs_dir (str, optional): Defaults to the repository's.

    Returns:
        str: e.g. ``configs/datp_tsn_r34_ucf101_flow.py``.
    """
    name = {'tsn': 'tsn_r34', 'datp': 'datp_tsn_r34'}[kind]
    path = osp.join(configs_dir or osp.join(REPO, 'configs'),
                    f'{name}_{dataset}{"_flow" if stream == "flow" else ""}'
                    '.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {path!r} does not exist; '
                                'reproduce.py runs from a clone of mmdatp')
    return path


def rawframes_pipeline(pipeline: List[dict], scale: Scale,
                       segments: int) -> List[ConfigDict]:
    """A config's pipeline reading rawframes, at the scale's sizes.

    Video opening steps are dropped, decoding becomes ``RawFrameDecode``,
    ``Resize((-1, s))`` resizes to the scale's short side, fixed resizes,
    ``MultiScaleCrop`` and ``CenterCrop`` use its crop, and the sampler
    draws ``segments`` segments.

    Args:
        pipeline (list[dict]): A train or test pipeline of a config.
        scale (Scale): The scale.
        segments (int): Segments per video.

    Returns:
        list[ConfigDict]: The new pipeline.
    """
    out = []
    for step in pipeline:
        step = ConfigDict(step)
        kind = step.get('type')
        if kind in _INITS:
            continue
        if kind in _DECODES:
            step = ConfigDict(type='RawFrameDecode')
        elif kind in _SAMPLERS:
            step['num_clips' if kind == 'SampleFrames' else
                 'num_segments'] = segments
        elif kind == 'Resize':
            if tuple(step.scale)[0] == -1:
                step.scale = (-1, scale.new_short)
            else:
                step.scale = (scale.crop, scale.crop)
        elif kind == 'MultiScaleCrop':
            step.input_size = scale.crop
        elif kind in ('CenterCrop', 'ThreeCrop', 'TenCrop'):
            step.crop_size = scale.crop
        out.append(step)
    return out


def set_data(cfg: Config, stream: str, frames_root: str, lists: dict,
             scale: Scale, train_segments: int, test_segments: int,
             num_workers: int) -> None:
    """Point the train and test loaders of ``cfg`` at the rawframes."""
    for split in ('train', 'test'):
        loader = cfg[f'{split}_dataloader']
        segments = train_segments if split == 'train' else test_segments
        dataset = ConfigDict(
            type='CheckedRawframeDataset',
            ann_file=lists['train' if split == 'train' else 'val'],
            data_prefix=dict(img=frames_root),
            pipeline=rawframes_pipeline(loader.dataset.pipeline, scale,
                                        segments),
            test_mode=split == 'test')
        if stream == 'flow':
            dataset.update(filename_tmpl='{}_{:05d}.jpg', start_index=1,
                           modality='Flow')
        loader.dataset = dataset
        loader.num_workers = num_workers
        loader.persistent_workers = num_workers > 0
        size = scale.batch_size if split == 'train' else \
            scale.test_batch_size
        if size is not None:
            loader.batch_size = size
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None


def _change_head(cfg: Config, change: str, n: int) -> None:
    head = cfg.model.cls_head
    if change == 'k1':
        gen = head.weight_generator
        gen.num_gaussians = 1
        for key in [k for k, v in gen.items()
                    if isinstance(v, (list, tuple)) and len(v) != 1]:
            gen.pop(key)  # per-component settings of K=2
    elif change == 'discrete':
        head.weight_generator = ConfigDict(
            type='DiscreteWeightGenerator', num_segments=n)
    elif change == 'uniform':
        head.pooling = 'avg'
        cfg.optim_wrapper.paramwise_cfg.custom_keys.pop(
            'cls_head.aux_net', None)


def set_schedule(cfg: Config, num_epochs: int, lr: Optional[float],
                 warmup: bool = False, adamw: bool = False) -> None:
    """``num_epochs`` epochs; with ``lr``, SGD at ``lr`` and a cosine
    schedule (after a linear warm-up over the first epoch with
    ``warmup``; AdamW instead of SGD with ``adamw``), else the config's
    optimiser with its milestones scaled."""
    old = cfg.train_cfg.max_epochs
    cfg.train_cfg.max_epochs = num_epochs
    cfg.train_cfg.pop('val_begin', None)
    cfg.train_cfg.pop('val_interval', None)
    if lr is not None:
        cfg.optim_wrapper.optimizer.lr = lr
        if adamw:
            cfg.optim_wrapper.optimizer = ConfigDict(
                type='AdamW', lr=lr, weight_decay=1e-4)
        # the configs' larger steps of the classifier (lr_mult 5) are for a
        # classifier on ImageNet features; from scratch they make the loss
        # diverge (measured on UCF101-9 at 112: the loss rose from 2.2 to
        # 29 within 60 iterations), so every layer but the aux net moves at
        # lr (a model trained from scratch after a linear warm-up over the
        # first epoch)
        custom = cfg.optim_wrapper.get('paramwise_cfg', {}).get(
            'custom_keys', {})
        if 'cls_head.fc_cls' in custom:
            custom['cls_head.fc_cls'] = dict(lr_mult=1)
        cfg.param_scheduler = [
            dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
                 end=1, convert_to_iter_based=True)
        ] if warmup else []
        cfg.param_scheduler.append(
            dict(type='CosineAnnealingLR', T_max=num_epochs, by_epoch=True,
                 begin=0, end=num_epochs, convert_to_iter_based=True))
        return
    for sched in cfg.param_scheduler:
        sched.end = num_epochs
        if 'milestones' in sched:
            sched.milestones = [round(m * num_epochs / old)
                                for m in sched.milestones]
        if 'T_max' in sched:
            sched.T_max = num_epochs


def config_epochs(dataset: str, stream: str) -> Tuple[int, int]:
    """The (TSN, DATP) epochs of the project's configs for a stream."""
    return tuple(
        Config.fromfile(config_file(dataset, stream,
                                    kind)).train_cfg.max_epochs
        for kind in ('tsn', 'datp'))


def model_cfg(model: str, dataset: str, stream: str, num_classes: int,
              scale: Scale, frames_root: str, lists: dict,
              num_workers: int, imagenet: bool = False) -> Config:
    """The config of a trained model of :data:`~.plan.MODELS`.

    Args:
        model (str): A key of ``MODELS``.
        dataset (str): 'ucf101' or 'hmdb51'.
        stream (str): 'rgb' or 'flow'.
        num_classes (int): Classes of the dataset.
        scale (Scale): The scale.
        frames_root (str): ``W/rawframes``.
        lists (dict): 'train' and 'val' list files of the stream.
        num_workers (int): Data loader workers.
        imagenet (bool): Initialise the TSN's backbone from ImageNet.
            Defaults to False.

    Returns:
        Config: Ready for :func:`~mmdatp.apis.setup_train_cfg` (the caller
        adds the hooks and the checkpoint it starts from).
    """
    spec = MODELS[model]
    cfg = Config.fromfile(config_file(dataset, stream, spec.kind))
    tsn_epochs = Config.fromfile(config_file(
        dataset, stream, 'tsn')).train_cfg.max_epochs
    n = datp_segments(dataset, stream, scale)
    head = cfg.model.cls_head
    head.num_classes = num_classes
    if spec.kind == 'datp':
        head.num_segments = n
        aux = head.get('aux_net')
        if aux is not None and 'spatial_size' in aux:
            aux.spatial_size = scale.spatial_size
    _change_head(cfg, spec.change, n)
    if scale.depth is not None:
        cfg.model.backbone.depth = scale.depth
    cfg.model.backbone.pretrained = 'torchvision://resnet34' if (
        imagenet and spec.parent is None) else None
    # TSN's partial BN freezes the statistics of all BN layers but the
    # first, which only makes sense over ImageNet statistics: from scratch
    # they would stay at their init (mean 0, variance 1) for good
    cfg.model.backbone.partial_bn = bool(imagenet)
    train_segments = n if spec.kind == 'datp' else (scale.tsn_segments or n)
    set_data(cfg, stream, frames_root, lists, scale, train_segments, n,
             num_workers)
    set_schedule(cfg, epochs(scale, model, stream,
                             (tsn_epochs, cfg.train_cfg.max_epochs)),
                 scale.lr, warmup=spec.parent is None, adamw=scale.adamw)
    if scale.dropout is not None:
        cfg.model.cls_head.dropout_ratio = scale.dropout
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=20)
    return cfg


def datp_segments(dataset: str, stream: str, scale: Scale) -> int:
    """DATP's N: the scale's, else the DATP config's ``num_segments``."""
    if scale.num_segments is not None:
        return scale.num_segments
    cfg = Config.fromfile(config_file(dataset, stream, 'datp'))
    return int(cfg.model.cls_head.get('num_segments', 10))


def datp_generator(dataset: str, stream: str) -> dict:
    """The weight generator of the DATP config of a stream, as a dict."""
    cfg = Config.fromfile(config_file(dataset, stream, 'datp'))
    return cfg.model.cls_head.weight_generator.to_dict()
