"""Per-seed table, means with 95% CIs and the paired differences of K=1
and K=2 with max_sigma=1.0 (NEW) against unbounded sigma (OLD), both
benchmark output folders of the video task on the same TSNs; traces of
NEW. Record script of this folder, not a package tool:

    python docs/benchmarks/max_sigma_2026-12-07/compare.py \
        OLD/position NEW/position
"""
import json
import os.path as osp
import statistics as st
import sys

from scipy import stats as ss

OLD, NEW = sys.argv[1], sys.argv[2]
L={'k2':'DATP conv features, K=2','k1':'DATP conv features, K=1'}
def load(root,s):
    p=f'{root}/seed{s}/results.json'
    return json.load(open(p)) if osp.isfile(p) else {'top1':{}, 'trace':{}, 'localisation':{}}
rows=[]; col={k:[] for k in ('k2o','k2n','k1o','k1n')}
print('| seed | stock TSN | K=2, unbounded sigma | K=2, max_sigma 1.0 | its attention on the key window | K=1, unbounded sigma | K=1, max_sigma 1.0 | its attention on the key window |')
print('|---:|---:|---:|---:|---:|---:|---:|---:|')
for s in range(10):
    o,n=load(OLD,s),load(NEW,s)
    if L['k2'] not in n['top1'] or L['k1'] not in n['top1']: continue
    v=dict(k2o=o['top1'][L['k2']],k2n=n['top1'][L['k2']],k1o=o['top1'][L['k1']],k1n=n['top1'][L['k1']])
    for k in v: col[k].append(100*v[k])
    att=lambda k: n['localisation'][L[k]]['key_attention']
    print(f"| {s} | {100*o['top1']['stock TSN, mean logits, N=10']:.1f} | {100*v['k2o']:.1f} | {100*v['k2n']:.1f} | {att('k2'):.2f} | {100*v['k1o']:.1f} | {100*v['k1n']:.1f} | {att('k1'):.2f} |")
def ci(x):
    if len(x)<2: return '-'
    h=ss.t.ppf(0.975,len(x)-1)*st.stdev(x)/len(x)**0.5
    return f'{st.mean(x):.1f} ± {h:.1f} ({sum(a>=90 for a in x)} of {len(x)} >= 90)'
for k in col: print(k, ci(col[k]))
d=[b-a for a,b in zip(col['k2o'],col['k2n'])]; print('paired k2', ci(d))
d=[b-a for a,b in zip(col['k1o'],col['k1n'])]; print('paired k1', ci(d))
for s in range(10):
    n=load(NEW,s)
    for m,t in n.get('trace',{}).items():
        print(s, m, ' / '.join(f"{r['mu_mean']:.2f},{r['sigma_weighted']:.2f}" for r in t))
