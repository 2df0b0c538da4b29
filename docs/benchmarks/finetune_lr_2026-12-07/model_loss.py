"""A trained model's training loss per epoch, per seed, from a
video-benchmark output folder (mmengine's vis_data/scalars.json under
OUT/<task>/seed<S>/<model>; test runs log no loss and are skipped), as a
markdown table. Record script of this folder, not a package tool:

    python docs/benchmarks/finetune_lr_2026-12-07/model_loss.py OUT
        [--model ft_conv_k2] [--task position]
"""
import argparse
import glob
import json
import os.path as osp
from collections import defaultdict


def epoch_losses(model_dir: str) -> dict:
    """{epoch: mean training loss} of the last run in ``model_dir`` that
    logged one."""
    for path in sorted(glob.glob(osp.join(model_dir, '*', 'vis_data',
                                          'scalars.json')), reverse=True):
        losses = defaultdict(list)
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if 'loss' in row and 'epoch' in row:
                    losses[row['epoch']].append(row['loss'])
        if losses:
            return {e: sum(v) / len(v) for e, v in sorted(losses.items())}
    raise FileNotFoundError(f'{model_dir}: no */vis_data/scalars.json with '
                            'a training loss (not a trained model)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out')
    parser.add_argument('--model', default='ft_conv_k2')
    parser.add_argument('--task', default='position')
    args = parser.parse_args()
    dirs = glob.glob(osp.join(args.out, args.task, 'seed*', args.model))
    dirs.sort(key=lambda p: int(osp.basename(osp.dirname(p))[4:]))
    # seeds still training (no checkpoint yet) are left out
    rows = {osp.basename(osp.dirname(p))[4:]: epoch_losses(p) for p in dirs
            if glob.glob(osp.join(p, 'epoch_*.pth'))}
    epochs = sorted({e for r in rows.values() for e in r})
    print('| seed | ' + ' | '.join(f'ep {e}' for e in epochs) + ' |')
    print('|---' * (len(epochs) + 1) + '|')
    for seed, losses in rows.items():
        print(f'| {seed} | ' + ' | '.join(
            f'{losses[e]:.2f}' if e in losses else '-' for e in epochs) +
            ' |')


if __name__ == '__main__':
    main()
