"""Every shipped config loads (with mmaction:: inheritance) and builds; the
dataset configs read the lists our data preparation writes; the metafile
lists every config."""
import glob
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS, TRANSFORMS
from mmdatp.datasets.preparation import list_file_name
from mmengine.config import Config
from mmengine.fileio import load

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# every config but the bases: configs/*.py and configs/ablations/*.py
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', '*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'ablations', '*.py')))


def test_there_are_configs():
    names = {osp.basename(c) for c in CONFIGS}
    assert {
        'datp_tsn_r34_hmdb51.py', 'datp_tsn_r34_hmdb51_video.py',
        'datp_tsn_r34_hmdb51_flow.py', 'tsn_r34_hmdb51.py',
        'datp_tsn_r34_synthetic.py'
    } <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_loads_and_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmaction'
    assert 'mmdatp' in cfg.custom_imports['imports']
    features = cfg.model.type == 'FeatureRecognizer'
    if not features:  # video models are TSN-ResNet34
        assert cfg.model.backbone.depth == 34
        # offline: never download torchvision://resnet34 in tests
        cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    head = cfg.model.cls_head
    # the P3 baseline is plain TSN, every other config uses DATP
    expected = 'TSNHead' if osp.basename(path).startswith('tsn_') \
        else 'DATPHead'
    assert type(model.cls_head).__name__ == head.type == expected
    # pipelines build and use the DATP sampler with the head's N
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        steps = [TRANSFORMS.build(step) for step in pipeline]
        # SampleFeatureSegments subclasses DATPSampleFrames
        samplers = [s for s in steps if type(s).__name__ in (
            'DATPSampleFrames', 'SampleFeatureSegments')]
        assert len(samplers) == 1
        assert samplers[0].num_segments == head.get('num_segments', 10)
        assert samplers[0].test_mode == (loader != 'train_dataloader')
        pack = steps[-1]  # PackActionInputs or PackFeatureInputs
        assert 'segment_times' in pack.algorithm_keys
    # its metafile entry describes it
    entry = {m['Config']: m
             for m in _metafile()['Models']}[osp.relpath(path, REPO)]
    meta = entry['Metadata']
    assert entry['In Collection'] == ('TSN' if expected == 'TSNHead' else
                                      'DATP')
    assert meta['Epochs'] == cfg.train_cfg.max_epochs
    assert meta['Segments'] == head.get('num_segments', 10)
    assert meta['Batch Size'] == cfg.train_dataloader.batch_size
    modality = cfg.train_dataloader.dataset.get('modality', 'RGB')
    assert meta['Modality'] == ('Features' if features else modality)


def test_hmdb51_rgb_is_the_papers_setting():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51.py'))
    head = cfg.model.cls_head
    assert head.num_segments == 10
    assert head.aux_net.type == 'DATPConvAuxNet'
    assert head.aux_net.spatial_size == 7
    # the paper's K=2 mixture and initial values; each Gaussian normalised
    # over the segments (documented deviation, switchable to Eq. 1)
    assert head.weight_generator == dict(
        type='MoGWeightGenerator', num_gaussians=2,
        normalize_components=True)
    gen = MODELS.build(head.weight_generator)
    p = gen.decode(gen.init_params()[None])
    torch.testing.assert_close(p['mu'][0], torch.tensor([1 / 3, 2 / 3]))
    torch.testing.assert_close(p['sigma'][0]**2, torch.tensor([0.2, 0.2]))
    assert head.num_classes == 51 and head.in_channels == 512
    # ImageNet ResNet34 by default (paper Sec. 4.2); offline here
    assert cfg.model.backbone.pretrained == 'torchvision://resnet34'
    cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    x = torch.randn(1, 10, 3, 224, 224)  # one video, N=10 segments
    feats, kwargs = model.extract_feat(x)
    assert feats.shape == (10, 512, 7, 7)
    assert model.cls_head(feats, **kwargs).shape == (1, 51)


def test_flow_config_stacks_ten_channels():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51_flow.py'))
    assert cfg.model.backbone.in_channels == 10
    sampler = [
        s for s in cfg.train_dataloader.dataset.pipeline
        if s.type == 'DATPSampleFrames'
    ][0]
    assert sampler.clip_len == 5
    assert cfg.train_dataloader.dataset.modality == 'Flow'
    model = MODELS.build(cfg.model)
    feats, _ = model.extract_feat(torch.randn(1, 10, 10, 64, 64))
    assert feats.shape == (10, 512, 2, 2)


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', name))


# (config, dataset, split, list format, training root, testing root): the
# lists and roots of tools/data/build_file_list.py, build_rawframes.py and
# docs/en/data_preparation.md; RGB and flow read rawframes, the RGB
# *_video.py siblings the videos
_SPLIT_ROOTS = {
    'hmdb51': ('data/hmdb51/videos', 'data/hmdb51/rawframes'),
    'ucf101': ('data/ucf101/videos', 'data/ucf101/rawframes'),
}
DATASET_CASES = [
    (f'{model}_{ds}{mod}{"" if k == 1 else f"_split{k}"}.py', ds, k,
     'flow' if mod else 'rawframes', roots[1], roots[1])
    for model in ('datp_tsn_r34', 'tsn_r34') for ds, roots in
    _SPLIT_ROOTS.items() for mod in ('', '_flow') for k in (1, 2, 3)
] + [
    (f'{model}_{ds}_video.py', ds, 1, 'videos', roots[0], roots[0])
    for model in ('datp_tsn_r34', 'tsn_r34')
    for ds, roots in _SPLIT_ROOTS.items()
] + [
    (f'{model}_kinetics400{mod}.py', 'kinetics400', 1, fmt,
     f'data/kinetics400/{root}_train', f'data/kinetics400/{root}_val')
    for model in ('datp_tsn_r34', 'tsn_r34')
    for mod, fmt, root in (('', 'rawframes', 'rawframes'),
                           ('_video', 'videos', 'videos'),
                           ('_flow', 'flow', 'rawframes'))
] + [
    ('datp_tsn_r34_kinetics400_from_tsn.py', 'kinetics400', 1, 'rawframes',
     'data/kinetics400/rawframes_train', 'data/kinetics400/rawframes_val'),
    ('datp_tsn_r34_kinetics400_flow_from_tsn.py', 'kinetics400', 1, 'flow',
     'data/kinetics400/rawframes_train', 'data/kinetics400/rawframes_val'),
]
NUM_CLASSES = {'hmdb51': 51, 'ucf101': 101, 'kinetics400': 400}


@pytest.mark.parametrize(
    'name,dataset,split,fmt,train_root,val_root',
    DATASET_CASES,
    ids=[c[0] for c in DATASET_CASES])
def test_dataset_configs_read_the_prepared_lists(name, dataset, split, fmt,
                                                 train_root, val_root):
    cfg = _cfg(name)
    assert cfg.model.cls_head.num_classes == NUM_CLASSES[dataset]
    key = 'video' if fmt == 'videos' else 'img'
    for loader, subset, root in (('train_dataloader', 'train', train_root),
                                 ('val_dataloader', 'val', val_root),
                                 ('test_dataloader', 'val', val_root)):
        dataset_cfg = cfg[loader].dataset
        assert dataset_cfg.ann_file == osp.join(
            'data', dataset, list_file_name(dataset, subset, split, fmt))
        assert dataset_cfg.data_prefix == {key: root}
        assert dataset_cfg.get('modality', 'RGB') == (
            'Flow' if fmt == 'flow' else 'RGB')
    # flow: 5 stacked x/y pairs = 10 channels, one mean/std per channel
    channels = 10 if fmt == 'flow' else 3
    assert cfg.model.backbone.get('in_channels', 3) == channels
    assert len(cfg.model.data_preprocessor.mean) == channels
    expected = 'TSNHead' if name.startswith('tsn_') else 'DATPHead'
    assert cfg.model.cls_head.type == expected
    if expected == 'DATPHead':  # the paper's model: conv features, K=2
        assert cfg.model.cls_head.aux_net.type == 'DATPConvAuxNet'
        assert cfg.model.cls_head.weight_generator.num_gaussians == 2
    if name.endswith('_from_tsn.py'):
        assert cfg.custom_hooks[0].type == 'InitFromTSNHook'


# ablation config -> (aux net type, num_fcs, weight generator, K)
ABLATIONS = {
    'datp_tsn_r34_hmdb51_flow_score_k1.py':
    ('DATPScoreAuxNet', 2, 'MoGWeightGenerator', 1),  # Table 1 row 1
    'datp_tsn_r34_hmdb51_flow_k1.py':
    ('DATPConvAuxNet', 2, 'MoGWeightGenerator', 1),  # Table 1 row 2, T3 K=1
    'datp_tsn_r34_hmdb51_flow_3fc_k1.py':
    ('DATPConvAuxNet', 3, 'MoGWeightGenerator', 1),  # Table 1 row 3
    'datp_tsn_r34_hmdb51_flow_discrete.py':
    ('DATPConvAuxNet', 2, 'DiscreteWeightGenerator', None),  # Table 3
    'datp_tsn_r34_hmdb51_flow_k3.py':
    ('DATPConvAuxNet', 2, 'MoGWeightGenerator', 3),  # Table 3 K=3
}


def test_ablations_are_the_papers_rows():
    found = {
        osp.basename(p)
        for p in glob.glob(osp.join(REPO, 'configs', 'ablations', '*.py'))
    }
    assert found == set(ABLATIONS)
    main = _cfg('datp_tsn_r34_hmdb51_flow.py')
    for name, (aux, fcs, gen, k) in ABLATIONS.items():
        cfg = _cfg(osp.join('ablations', name))
        head = cfg.model.cls_head
        assert head.aux_net.type == aux and head.aux_net.num_fcs == fcs
        assert head.weight_generator.type == gen
        assert head.weight_generator.get('num_gaussians') == k
        # all on the temporal stream of HMDB51 split 1, as the paper's
        assert cfg.train_dataloader.dataset.ann_file == \
            main.train_dataloader.dataset.ann_file
        assert cfg.model.backbone.in_channels == 10
        # the model really has that many fc layers and generator outputs
        cfg.model.backbone.pretrained = None
        model = MODELS.build(cfg.model)
        # (the conv aux net's first layer, a 7x7 conv over the whole map,
        # is declared as a Linear: count the fc stack and the regressor)
        aux_net = model.cls_head.aux_net
        linears = [
            m for m in list(aux_net.fcs.modules()) + [aux_net.regressor]
            if isinstance(m, torch.nn.Linear)
        ]
        assert len(linears) == fcs
        assert linears[-1].out_features == (10 if k is None else 3 * k)


def _metafile():
    return load(osp.join(REPO, 'configs', 'metafile.yml'))


def test_model_index_imports_the_metafile():
    index = load(osp.join(REPO, 'model-index.yml'))
    assert index['Import'] == ['configs/metafile.yml']
    for path in index['Import']:
        assert osp.isfile(osp.join(REPO, path))


def test_metafile_lists_every_config():
    meta = _metafile()
    collections = {c['Name'] for c in meta['Collections']}
    models = meta['Models']
    names = [m['Name'] for m in models]
    assert len(names) == len(set(names))
    listed = set()
    for model in models:
        assert model['In Collection'] in collections
        assert osp.isfile(osp.join(REPO, model['Config'])), model['Config']
        assert model['Name'] == osp.splitext(osp.basename(
            model['Config']))[0]
        assert {'Architecture', 'Training Data', 'Modality'} <= set(
            model['Metadata'])
        # nothing measured on real data yet: no invented numbers
        assert 'Results' not in model and 'Weights' not in model
        listed.add(model['Config'])
    on_disk = {osp.relpath(p, REPO) for p in CONFIGS}
    assert listed == on_disk
