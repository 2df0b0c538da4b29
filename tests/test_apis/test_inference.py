"""predict_video on a trained checkpoint (fixtures `trained`, `pred` in
tests/conftest.py), also through a config that reads rawframes
(video_test_pipeline); top_k_classes and key_segments: what tools/demo.py
prints."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO, TEST_DATA
from mmdatp.apis import (inference, key_segments, predict_video,
                         top_k_classes, video_test_pipeline)
from mmengine.config import Config


def test_top_k_classes_order_and_names():
    scores = np.array([0.1, 0.4, 0.05, 0.3, 0.15])
    top = top_k_classes(scores, 3, ['a', 'b', 'c', 'd', 'e'])
    assert [c['label'] for c in top] == [1, 3, 4]
    assert [c['name'] for c in top] == ['b', 'd', 'e']
    assert top[0]['score'] == pytest.approx(0.4)
    # k beyond C is clipped; no names gives None
    assert len(top_k_classes(scores, 10)) == 5
    assert top_k_classes(scores, 1)[0]['name'] is None


def test_top_k_classes_bad_input():
    with pytest.raises(ValueError, match='2 class names'):
        top_k_classes(np.ones(3), 1, ['a', 'b'])
    with pytest.raises(ValueError, match='k must be'):
        top_k_classes(np.ones(3), 0)


def test_key_segments_peaks_in_seconds():
    w = np.array([0.1, 0.5, 0.2, 0.2, 0.9, 0.3])
    frames = np.array([5, 15, 25, 35, 45, 55])
    peaks = key_segments(w, frames, fps=10.0, num=3)
    # local maxima at 1 and 4; 4 is stronger
    assert [p['segment'] for p in peaks] == [4, 1]
    assert peaks[0]['frame'] == 45
    assert peaks[0]['time_s'] == pytest.approx(4.5)
    assert peaks[0]['attention'] == pytest.approx(0.9 / w.sum())
    assert len(key_segments(w, frames, 10.0, num=1)) == 1
    assert key_segments(w, frames, None)[0]['time_s'] is None


def test_key_segments_plateau_and_uniform():
    frames = np.arange(5)
    # a plateau counts once, at its start
    peaks = key_segments(np.array([0., 1., 1., 0.5, 0.]), frames, 1.0)
    assert [p['segment'] for p in peaks] == [1]
    # uniform weights (average pooling) have no key segment
    assert key_segments(np.full(5, 0.2), frames, 1.0) == []


def test_key_segments_bad_input():
    with pytest.raises(ValueError, match='same'):
        key_segments(np.ones(3), np.arange(4), 1.0)
    with pytest.raises(ValueError, match='finite'):
        key_segments(np.array([1., np.nan]), np.arange(2), 1.0)
    with pytest.raises(ValueError, match='fps'):
        key_segments(np.array([1., 2.]), np.arange(2), 0.0)


def test_predict_video(trained, pred):
    n = trained['cfg'].model.cls_head.num_segments
    assert pred['frames'].shape == (n, trained['size'], trained['size'], 3)
    assert pred['frames'].dtype == np.uint8
    assert pred['frames'].max() > 0
    assert len(pred['weights']) == n == len(pred['times'])
    assert pred['segment_scores'].shape == (n, trained['num_classes'])
    np.testing.assert_allclose(pred['segment_scores'].sum(1), 1, atol=1e-5)
    times = pred['times']
    assert np.all(np.diff(times) > 0) and 0 <= times[0] and times[-1] <= 1
    # the test sampler takes the centre of 2-frame segments of 20 frames
    np.testing.assert_array_equal(pred['frame_inds'], np.arange(1, 20, 2))
    np.testing.assert_allclose(times, pred['frame_inds'] / 19, atol=1e-6)
    assert np.all(pred['weights'] > 0)
    np.testing.assert_allclose(pred['attention'].sum(), 1, atol=1e-5)
    assert 0 <= pred['pred_label'] < trained['num_classes']
    assert pred['pred_label'] == int(np.argmax(pred['class_scores']))
    assert pred['pred_score'] == pytest.approx(pred['class_scores'].max())
    for key in ('rho', 'mu', 'sigma'):
        assert pred[key].shape == (2, )  # MoG with K=2
    assert pred['pooling'] == 'datp' and pred['num_views'] == 1
    # the weights follow from rho/mu/sigma the way the generator made
    # them, which pred names (the plot draws the curves with it)
    gen_cfg = trained['cfg'].model.cls_head.weight_generator
    norm = pred['normalize_components']
    assert norm == bool(gen_cfg.get('normalize_components', False))
    import torch
    from mmdatp.models import mog_log_weights
    args = [torch.as_tensor(pred[k], dtype=torch.float64)[None]
            for k in ('times', 'rho', 'mu', 'sigma')]
    weights = mog_log_weights(*args, normalize_components=norm)[0].exp()
    np.testing.assert_allclose(weights.numpy() / weights.max().item(),
                               pred['weights'] / pred['weights'].max(),
                               rtol=1e-4)


def test_predict_video_frames_are_the_decoded_frames(trained, pred):
    import decord
    reader = decord.VideoReader(trained['video'])
    expected = reader.get_batch(list(pred['frame_inds'])).asnumpy()
    np.testing.assert_array_equal(pred['frames'], expected)


def test_predict_video_errors(trained, tmp_path):
    with pytest.raises(FileNotFoundError, match='video file not found'):
        predict_video(trained['cfg_path'], trained['ckpt'],
                      str(tmp_path / 'missing.mp4'))
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        predict_video(trained['cfg_path'], str(tmp_path / 'missing.pth'),
                      trained['video'])
    tsn = copy.deepcopy(trained['cfg'])
    tsn.model.cls_head = dict(
        type='TSNHead', num_classes=trained['num_classes'], in_channels=512)
    with pytest.raises(ValueError, match='needs a DATPHead.*TSNHead'):
        predict_video(tsn, trained['ckpt'], trained['video'])
    flow = _as_rawframes(trained['cfg'])
    flow.test_dataloader.dataset.modality = 'Flow'
    with pytest.raises(ValueError, match='reads a video file.*Flow'):
        predict_video(flow, trained['ckpt'], trained['video'])


def _as_rawframes(cfg):
    """``cfg`` with its loaders reading rawframes, as the main RGB configs
    do (_base_/datasets/hmdb51_rawframes.py): no DecordInit, RawFrameDecode
    for DecordDecode."""
    cfg = copy.deepcopy(cfg)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        dataset.type = 'RawframeDataset'
        dataset.data_prefix = dict(img='unused')
        dataset.pipeline = [
            dict(type='RawFrameDecode') if step.type == 'DecordDecode' else
            step for step in dataset.pipeline if step.type != 'DecordInit'
        ]
    return cfg


def test_video_test_pipeline_of_a_rawframes_config(trained):
    video = trained['cfg'].test_dataloader.dataset.pipeline
    frames = _as_rawframes(trained['cfg'])
    pipeline = video_test_pipeline(frames)
    # DecordInit first, DecordDecode in place of RawFrameDecode, the rest
    # as it was
    assert pipeline[0] == dict(type='DecordInit', io_backend='disk')
    assert pipeline[1:] == [dict(s) for s in video[1:]]
    # a video pipeline as it is; the config is not changed
    assert video_test_pipeline(trained['cfg']) == [dict(s) for s in video]
    assert frames.to_dict() == _as_rawframes(trained['cfg']).to_dict()
    # RawFrameDecode's io_backend opens the video
    frames.test_dataloader.dataset.pipeline[1]['io_backend'] = 'petrel'
    assert video_test_pipeline(frames)[0] == dict(
        type='DecordInit', io_backend='petrel')


def test_video_test_pipeline_refuses_flow_and_other_inputs(trained):
    flow = Config.fromfile(
        osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51_flow.py'))
    with pytest.raises(ValueError, match='Flow rawframes'):
        video_test_pipeline(flow)
    features = Config.fromfile(
        osp.join(REPO, 'configs', 'datp_features_synthetic.py'))
    first = features.test_dataloader.dataset.pipeline[0]['type']
    with pytest.raises(ValueError, match=f'starts with {first!r}.*no '
                       'RawFrameDecode'):
        video_test_pipeline(features)
    empty = copy.deepcopy(trained['cfg'])
    for key in ('test_dataloader', 'val_dataloader'):
        empty[key].dataset.pipeline = []
    empty.pop('test_pipeline', None)
    empty.pop('val_pipeline', None)
    with pytest.raises(ValueError, match='no test pipeline'):
        video_test_pipeline(empty)


def test_predict_video_runs_a_rawframes_config_on_the_video(trained, pred):
    """The checkpoint's config reading rawframes predicts on the video file
    what the video config does."""
    again = predict_video(_as_rawframes(trained['cfg']), trained['ckpt'],
                          trained['video'])
    np.testing.assert_array_equal(again['frames'], pred['frames'])
    np.testing.assert_array_equal(again['frame_inds'], pred['frame_inds'])
    for key in ('class_scores', 'segment_scores', 'weights'):
        np.testing.assert_allclose(again[key], pred[key], rtol=1e-5,
                                   atol=1e-6)
    assert again['pred_label'] == pred['pred_label']


def test_predict_video_with_the_main_rgb_config():
    """configs/datp_tsn_r34_hmdb51.py reads rawframes; predict_video (and
    tools/demo.py) run it on a video file (random weights: no checkpoint)."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51.py'))
    assert cfg.test_dataloader.dataset.type == 'CheckedRawframeDataset'
    cfg.model.backbone.pretrained = None  # offline
    video = osp.join(TEST_DATA, 'videos', 'demo.mp4')  # 280 frames, 340x256
    out = predict_video(cfg, None, video)
    assert out['frames'].shape == (10, 256, 340, 3)
    assert out['total_frames'] == 280 and out['fps'] == pytest.approx(28)
    assert out['class_scores'].shape == (51, )
    assert out['weights'].shape == (10, )


def test_predict_video_is_built_on_init_recognizer(trained, pred,
                                                   monkeypatch):
    calls = []
    real = inference.init_recognizer

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(inference, 'init_recognizer', spy)
    before = copy.deepcopy(trained['cfg']).to_dict()
    again = predict_video(trained['cfg'], trained['ckpt'], trained['video'])
    assert len(calls) == 1
    np.testing.assert_allclose(again['class_scores'], pred['class_scores'])
    # init_recognizer changes the config it gets: that is a copy
    assert calls[0][0] is not trained['cfg']
    assert trained['cfg'].to_dict() == before


def test_predict_video_refuses_a_checkpoint_that_does_not_fit(
        trained, tmp_path):
    """init_recognizer alone loads non-strictly; predict_video does not."""
    ckpt = torch.load(trained['ckpt'], map_location='cpu')
    ckpt['state_dict'] = {
        k: v for k, v in ckpt['state_dict'].items()
        if not k.startswith('cls_head.aux_net.')
    }
    bad = str(tmp_path / 'no_aux_net.pth')
    torch.save(ckpt, bad)
    with pytest.raises(RuntimeError, match='aux_net'):
        predict_video(trained['cfg_path'], bad, trained['video'])


def test_old_import_path_still_works():
    from mmdatp.visualization import predict_video as old
    assert old is predict_video
