"""Command-line pieces shared by ``tools/train.py`` and ``tools/test.py``."""
import argparse
import os
from typing import Sequence

from mmengine.config import Config, DictAction
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from ..datasets import check_labels


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options``, ``--launcher`` and ``--local_rank`` (MMAction2's)."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. model.cls_head.num_classes=101')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_with_common(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, exporting ``LOCAL_RANK`` for launchers that pass it as a flag."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_config(args: argparse.Namespace) -> Config:
    """``args.config`` with ``--cfg-options`` merged in."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def check_labels_fit_model(runner: Runner, splits: Sequence[str]) -> None:
    """Check the labels of the runner's ``{split}`` datasets against the
    model's ``cls_head.num_classes`` (see
    :func:`mmdatp.datasets.check_labels`), where dataset and model meet.

    The loops are built here, as ``runner.train()``/``test()`` would build
    them first (same order, so the same random state), and reused there.

    Args:
        runner (Runner): Built from the config, not yet run.
        splits (Sequence[str]): Any of 'train', 'val', 'test'; a split the
            runner has no loop for is passed over.

    Raises:
        ValueError: From :func:`check_labels`, naming the list and lines.
    """
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    num_classes = getattr(getattr(model, 'cls_head', None), 'num_classes',
                          None)
    if not isinstance(num_classes, int):
        return
    for split in splits:
        loop = getattr(runner, f'{split}_loop')
        if loop is not None:
            check_labels(loop.dataloader.dataset, num_classes)
