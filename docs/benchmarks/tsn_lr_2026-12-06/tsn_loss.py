"""The TSN's training loss per epoch, per seed, from a video-benchmark
output folder (mmengine's vis_data/scalars.json of OUT/<task>/seed<S>/tsn),
as a markdown table. Record script of this folder, not a package tool:

    python docs/benchmarks/tsn_lr_2026-12-06/tsn_loss.py OUT [--task position]
"""
import argparse
import glob
import json
import os.path as osp
from collections import defaultdict


def epoch_losses(tsn_dir: str) -> dict:
    """{epoch: mean of the training losses logged in that epoch}."""
    files = sorted(glob.glob(osp.join(tsn_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise FileNotFoundError(f'{tsn_dir}: no */vis_data/scalars.json '
                                '(not a trained TSN of the benchmark)')
    losses = defaultdict(list)
    with open(files[-1]) as f:
        for line in f:
            row = json.loads(line)
            if 'loss' in row and 'epoch' in row:
                losses[row['epoch']].append(row['loss'])
    return {e: sum(v) / len(v) for e, v in sorted(losses.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out')
    parser.add_argument('--task', default='position')
    args = parser.parse_args()
    seeds = sorted(glob.glob(osp.join(args.out, args.task, 'seed*', 'tsn')),
                   key=lambda p: int(p.split('seed')[-1].split('/')[0]))
    # seeds whose TSN is still training are left out
    rows = {osp.basename(osp.dirname(p)): epoch_losses(p) for p in seeds
            if glob.glob(osp.join(p, 'epoch_*.pth'))}
    epochs = sorted({e for r in rows.values() for e in r})
    print('| seed | ' + ' | '.join(f'ep {e}' for e in epochs) + ' |')
    print('|---' * (len(epochs) + 1) + '|')
    for seed, losses in rows.items():
        print(f'| {seed[4:]} | ' + ' | '.join(
            f'{losses[e]:.2f}' if e in losses else '-' for e in epochs) +
            ' |')


if __name__ == '__main__':
    main()
