"""Per-seed and over-seed tables of the video benchmark's target rows,
fine-tuned at the config's lr 0.02 (aux net x10) against 0.005 (aux net
x40), on the same TSNs. Record script of this folder, not a package tool:

    python compare.py OLD/position NEW/position
"""
import json
import os.path as osp
import sys

from mmdatp.evaluation import mean_ci, paired_diff_ci

OLD, NEW = sys.argv[1:3]
ROWS = [('stock TSN', 'stock TSN, mean logits, N=10'),
        ('K=2', 'DATP conv features, K=2'),
        ('K=1', 'DATP conv features, K=1'),
        ('discrete', 'DATP conv features, discrete')]
RUNS = ('0.02', '0.005')


def load(root, seed):
    path = osp.join(root, f'seed{seed}', 'results.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def row_ci(values):
    """Mean ± 95% CI of percentages, and how many reach 90."""
    return (f'{mean_ci(values).format(scale=1)} '
            f'({sum(v >= 90 for v in values)} of {len(values)} >= 90)')


cols = {(name, run): [] for name, _ in ROWS for run in RUNS}
seeds = []
head = ['seed'] + [f'{name}, {run}' for name, _ in ROWS for run in RUNS] + \
    ['K=2 attention, 0.005']
print('| ' + ' | '.join(head) + ' |')
print('|' + '---:|' * len(head))
for seed in range(10):
    runs = dict(zip(RUNS, (load(OLD, seed), load(NEW, seed))))
    if any(r is None or label not in r['top1'] for r in runs.values()
           for _, label in ROWS):
        continue  # not finished
    seeds.append(seed)
    cells = [str(seed)]
    for name, label in ROWS:
        for run in RUNS:
            cols[name, run].append(100 * runs[run]['top1'][label])
            cells.append(f'{cols[name, run][-1]:.1f}')
    attention = runs['0.005']['localisation'][ROWS[1][1]]['key_attention']
    cells.append(f'{attention:.2f}')
    print('| ' + ' | '.join(cells) + ' |')
print(f'\n| seeds {", ".join(map(str, seeds))} | fine-tuned at 0.02 | '
      'at 0.005 | 0.005 minus 0.02, paired (points) |')
print('|---|---:|---:|---:|')
for name, _ in ROWS:
    diff = paired_diff_ci(cols[name, '0.005'], cols[name, '0.02'])
    print(f'| {name} | {row_ci(cols[name, "0.02"])} | '
          f'{row_ci(cols[name, "0.005"])} | {diff.format(scale=1)} |')
for run in RUNS:
    diff = paired_diff_ci(cols['K=2', run], cols['stock TSN', run])
    print(f'| K=2 minus stock TSN, paired, fine-tuned at {run} | | | '
          f'{diff.format(scale=1)} |')
for run, root in (('0.02', OLD), ('0.005', NEW)):
    print(f'\nK=2 fine-tuned at {run}: mean of mu over videos and Gaussians, '
          'rho-weighted sigma, per fine-tuning epoch (training batches):'
          '\n\n```')
    for seed in seeds:
        trace = load(root, seed)['trace']['ft_conv_k2']
        print(seed, ' / '.join(
            f"{r['mu_mean']:.1f},{r['sigma_weighted']:.3f}" for r in trace))
    print('```')
