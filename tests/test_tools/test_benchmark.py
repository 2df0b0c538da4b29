"""The evidence benchmarks run end to end, over seeds, and resume (smoke
runs: the numbers mean nothing, the tables and the protocol do)."""
import json
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VIDEO = osp.join(REPO, 'tools', 'benchmark', 'key_action_benchmark.py')
FEATURES = osp.join(REPO, 'tools', 'benchmark', 'feature_tasks_benchmark.py')


def run(script, *args):
    proc = subprocess.run([sys.executable, script, '--quick', *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def table_rows(text, title_start):
    """{row label: cells} of the first table after the line starting with
    ``title_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith(title_start))
    rows = {}
    for line in lines[start + 4:]:
        if not line.startswith('| '):
            break
        cells = [c.strip() for c in line.split('|')[1:-1]]
        rows[cells[0]] = cells
    return rows


ROW_LABELS = [
    'stock TSN, mean logits, N=10', 'stock TSN, mean logits, N=25',
    'P3: TSN, average of softmax, N=25'
]


def check_seed_table(rows, datp_rows):
    labels = list(rows)
    assert labels[:3] == ROW_LABELS
    assert [label for label in labels if label.startswith('DATP ')] == \
        datp_rows
    assert labels[-2].startswith('uniform weights')
    assert labels[-1].startswith('oracle: key segments only')
    for label, cells in rows.items():
        assert cells[1] == '2'  # seeds
        mean, half = cells[2].split(' ± ')
        assert 0 <= float(mean) <= 100 and float(half) >= 0
        assert len(cells[3].split()) == 2  # one accuracy per seed
        if label == ROW_LABELS[0]:
            assert cells[4] == '(baseline)'
        else:
            assert cells[5] in ('better', 'WORSE', 'no difference shown')


def test_video_benchmark_protocol_tables_and_resume(tmp_path):
    out = str(tmp_path / 'bench')
    # three of the eight models keep the smoke run short: the stock TSN
    # rows, P1/P2/DATP of the K=2 model and the uniform control
    models = ['--models', 'tsn_more', 'ft_conv_k2', 'ft_uniform']
    first = run(VIDEO, '--task', 'decoy', '--out', out, *models)
    rows = table_rows(first, '### Video task `decoy`')
    datp_rows = ['DATP conv features, K=2']
    check_seed_table(rows, datp_rows)
    assert list(rows)[3:5] == [
        'P2: DATP-fine-tuned (conv, K=2), average of softmax, N=25',
        'P1: DATP-fine-tuned (conv, K=2), random 2 Gaussians'
    ]
    assert 'Where the weights look' in first
    for seed in (0, 1):
        seed_dir = osp.join(out, 'decoy', f'seed{seed}')
        with open(osp.join(seed_dir, 'results.json')) as f:
            saved = json.load(f)
        assert saved['settings']['seed'] == seed
        # an option left at its default is not a setting, so results made
        # before it was added still resume
        assert 'aux_warmup_epochs' not in saved['settings']
        assert len(saved['top1']) == 8
        assert sorted(saved['localisation']) == sorted(datp_rows)
        for label, loc in saved['localisation'].items():
            assert 0 <= loc['key_attention'] <= 1 + 1e-6
            assert ('sigma' in loc) == ('discrete' not in label)
        # the paper's protocol: DATP starts from the seed's TSN, and the
        # stock TSN row is that TSN trained as long again
        with open(osp.join(seed_dir, 'ft_conv_k2', 'init_from_tsn.json')) \
                as f:
            report = json.load(f)
        assert report['checkpoint'] == osp.join(seed_dir, 'tsn',
                                                'epoch_1.pth')
        assert 'cls_head.fc_cls.weight' in report['loaded']
        assert report['new'] and all(
            k.startswith('cls_head.aux_net.') for k in report['new'])
        assert osp.isfile(osp.join(seed_dir, 'tsn_more', 'epoch_1.pth'))
        with open(osp.join(seed_dir, 'data', 'meta.json')) as f:
            assert json.load(f)['spec']['task'] == 'decoy'
    # a second run retrains and retests nothing and prints the same table;
    # --export writes a record that --record prints under a later run
    record = str(tmp_path / 'record.json')
    second = run(VIDEO, '--task', 'decoy', '--out', out, *models,
                 '--export', record)
    assert 'trained in' not in second and 'seed 0 stock' not in second
    assert table_rows(second, '### Video task') == rows
    with open(record) as f:
        assert sorted(json.load(f)['top1']) == sorted(rows)
    third = run(VIDEO, '--task', 'decoy', '--out', out, '--models',
                'tsn_more', '--record', record)
    recorded = table_rows(third.split('The record of the same rows')[1],
                          '### Video task')
    assert list(recorded) == ROW_LABELS
    # the seeds hold the K=2 model's attention too, but it was not asked
    # for: no DATP row, no table of where the weights look
    assert 'Where the weights look' not in third
    assert '| DATP conv features, K=2 |' not in \
        third.split('The record of the same rows')[0]
    assert recorded == {k: v for k, v in rows.items() if k in ROW_LABELS}
    # other settings in the same --out are refused, not mixed
    proc = subprocess.run([sys.executable, VIDEO, '--quick', '--task',
                           'decoy', '--out', out, '--aux-lr-mult', '5',
                           *models],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and 'other settings' in proc.stderr
    assert 'aux_lr_mult: 40 -> 5.0' in proc.stderr  # named, not dumped


def test_video_benchmark_refuses_the_retired_context_task(tmp_path):
    proc = subprocess.run([sys.executable, VIDEO, '--quick', '--task',
                           'context', '--out', str(tmp_path / 'bench')],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2
    assert '--task context: the video context task is retired' in \
        proc.stderr
    assert 'docs/en/benchmarks.md' in proc.stderr
    assert not osp.exists(tmp_path / 'bench')  # refused before any work


def test_video_benchmark_aux_warmup_trains_the_aux_net_alone(tmp_path):
    import torch
    out = str(tmp_path / 'bench')
    # --quick fine-tunes 1 epoch: a 1-epoch warm-up is all of it, so the
    # DATP model keeps the TSN's classifier and backbone
    run(VIDEO, '--task', 'decoy', '--out', out, '--models', 'ft_conv_k2',
        '--aux-warmup-epochs', '1')
    seed_dir = osp.join(out, 'decoy', 'seed0')
    with open(osp.join(seed_dir, 'results.json')) as f:
        assert json.load(f)['settings']['aux_warmup_epochs'] == 1

    def state(model):
        return torch.load(osp.join(seed_dir, model, 'epoch_1.pth'),
                          map_location='cpu', weights_only=False)['state_dict']

    tsn, datp = state('tsn'), state('ft_conv_k2')
    for key in ('cls_head.fc_cls.weight', 'backbone.conv1.conv.weight'):
        # zero gradients: only weight decay (lr 0.02 x 1e-4) shrinks them
        assert torch.allclose(tsn[key], datp[key], rtol=1e-3, atol=0), key
    aux = [k for k in datp if k.startswith('cls_head.aux_net.conv1.')]
    assert aux and all(k not in tsn for k in aux)


def test_feature_benchmark_tasks_and_resume(tmp_path):
    out = str(tmp_path / 'feat')
    first = run(FEATURES, '--out', out, '--jobs', '2')
    datp_rows = ['DATP features, K=1', 'DATP features, K=2',
                 'DATP features, discrete', 'DATP scores, K=2']
    for task in ('decoy', 'position', 'context'):
        check_seed_table(table_rows(first, f'### Feature task `{task}`'),
                         datp_rows)
        with open(osp.join(out, task, 'seed1', 'results.json')) as f:
            saved = json.load(f)
        assert saved['settings']['task'] == task
        assert sorted(saved['localisation']) == sorted(datp_rows)
        with open(osp.join(out, task, 'seed1', 'k2',
                           'init_from_tsn.json')) as f:
            assert json.load(f)['checkpoint'].endswith(
                osp.join('seed1', 'tsn', 'epoch_1.pth'))
    with open(osp.join(out, 'tables.md')) as f:
        assert f.read().strip() in first
    # resumed from the saved results: the same tables again
    second = run(FEATURES, '--out', out, '--tasks', 'position')
    assert table_rows(second, '### Feature task `position`') == \
        table_rows(first, '### Feature task `position`')


def test_video_benchmark_k2_from_the_uniform_model(tmp_path):
    import torch
    out = str(tmp_path / 'bench')
    text = run(VIDEO, '--task', 'decoy', '--out', out, '--models',
               'ft_conv_k2_from_uniform')
    label = 'DATP conv features, K=2, from the uniform model'
    assert list(table_rows(text, '### Video task `decoy`')) == [label]
    assert label in text.split('Where the weights look')[1]
    seed_dir = osp.join(out, 'decoy', 'seed0')
    # the chain TSN -> uniform model -> K=2, each from its parent's checkpoint
    with open(osp.join(seed_dir, 'ft_uniform', 'init_from_tsn.json')) as f:
        assert json.load(f)['checkpoint'] == osp.join(seed_dir, 'tsn',
                                                      'epoch_1.pth')
    with open(osp.join(seed_dir, 'ft_conv_k2_from_uniform',
                       'init_from_tsn.json')) as f:
        report = json.load(f)
    uniform = osp.join(seed_dir, 'ft_uniform', 'epoch_1.pth')
    assert report['checkpoint'] == uniform
    assert 'cls_head.fc_cls.weight' in report['loaded']
    # avg pooling never trains the aux net it carries: the K=2 model loads
    # a regressor still at its init (weights 0, bias the paper's mixture),
    # so the mixture starts at the paper's initial values for every video
    state = torch.load(uniform, map_location='cpu',
                       weights_only=False)['state_dict']
    assert not state['cls_head.aux_net.regressor.weight'].any()
    from mmaction.registry import MODELS
    from mmengine.config import Config
    generator = MODELS.build(Config.fromfile(osp.join(
        REPO, 'configs', 'datp_tsn_r34_synthetic.py')).model.cls_head
                             .weight_generator)
    torch.testing.assert_close(state['cls_head.aux_net.regressor.bias'],
                               generator.init_params())
    with open(osp.join(seed_dir, 'results.json')) as f:
        saved = json.load(f)
    assert list(saved['top1']) == [label]
    assert 0 <= saved['localisation'][label]['key_attention'] <= 1 + 1e-6


def _video_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location('key_action_bench', VIDEO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_video_benchmark_learning_rates_of_the_tsn_and_the_fine_tunings(
        tmp_path, monkeypatch):
    """The TSN from scratch trains at --tsn-lr, every model started from
    another at --finetune-lr, its aux net (DATP pooling only) at
    --aux-lr-mult times that: 0.2 by default, the aux step of the config's
    0.02 x 10 before the rate was lowered."""
    bench = _video_module()
    monkeypatch.setattr(sys, 'argv', [VIDEO, '--quick'])
    args = bench.parse_args()
    assert args.tsn_lr == bench.TSN_LR == 0.005 != bench.CONFIG_LR
    assert args.finetune_lr == bench.FINETUNE_LR == 0.005
    assert args.finetune_lr * args.aux_lr_mult == pytest.approx(0.2)
    args.finetune_lr = 0.003  # unlike the TSN's, to tell them apart
    root = str(tmp_path)
    for name, (_, parent) in bench.MODELS_TO_TRAIN.items():
        cfg = bench.model_cfg(args, name, root, 3)
        lr = cfg.optim_wrapper.optimizer.lr
        assert lr == (args.tsn_lr if parent is None else 0.003), name
        aux = cfg.optim_wrapper.paramwise_cfg.custom_keys.get(
            'cls_head.aux_net')
        datp = cfg.model.cls_head.type == 'DATPHead' and \
            cfg.model.cls_head.pooling == 'datp'
        assert (aux == dict(lr_mult=args.aux_lr_mult)) if datp else \
            aux is None, name
    args.finetune_lr = 0.005
    # recorded when it differs from the rate before the option existed
    assert bench.seed_settings(args, 3)['tsn_lr'] == 0.005
    args.tsn_lr = bench.CONFIG_LR
    old = bench.seed_settings(args, 3)
    assert 'tsn_lr' not in old and old['seed'] == 3
    args.tsn_lr = 0.005
    assert bench.settings_diff(old, bench.seed_settings(args, 3)) == \
        'tsn_lr: 0.02 (made before --tsn-lr) -> 0.005'
    # results made before --finetune-lr fine-tuned at the config's rate
    args.finetune_lr = bench.CONFIG_LR
    old = bench.seed_settings(args, 3)
    assert 'finetune_lr' not in old
    args.finetune_lr = 0.005
    assert bench.settings_diff(old, bench.seed_settings(args, 3)) == \
        'finetune_lr: 0.02 (made before --finetune-lr) -> 0.005'


def test_video_benchmark_writes_its_settings_before_any_training(
        tmp_path, monkeypatch):
    """A run killed in its first training leaves the settings behind, so a
    rerun with other settings is refused instead of reusing a checkpoint
    made under the first ones."""
    bench = _video_module()
    monkeypatch.setattr(sys, 'argv', [VIDEO, '--quick', '--out',
                                      str(tmp_path), '--task', 'decoy'])
    args = bench.parse_args()

    def killed(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, 'train', killed)
    with pytest.raises(KeyboardInterrupt):
        bench.run_seed(args, 0)
    with open(osp.join(str(tmp_path), 'decoy', 'seed0', 'results.json')) \
            as f:
        saved = json.load(f)
    assert saved['settings'] == bench.seed_settings(args, 0)
    assert saved['top1'] == {}
    args.tsn_lr = 0.01
    with pytest.raises(ValueError, match='tsn_lr: 0.005 -> 0.01'):
        bench.run_seed(args, 0)
