"""Typos in the DATP fields of a config give errors that name the field and
list what is allowed."""
import pytest
from mmaction.registry import MODELS
from mmdatp.models.build_utils import registered_subclasses
from mmdatp.models.weight_generators import BaseWeightGenerator


def _head(**kwargs):
    cfg = dict(
        type='DATPHead', num_classes=5, in_channels=16, num_segments=4)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_unknown_weight_generator_lists_valid_types():
    with pytest.raises(ValueError) as e:
        _head(weight_generator=dict(type='MoGWeightGenrator'))
    msg = str(e.value)
    assert 'DATPHead.weight_generator' in msg and 'MoGWeightGenrator' in msg
    assert "did you mean 'MoGWeightGenerator'" in msg
    assert "'DiscreteWeightGenerator'" in msg and "'MoGWeightGenerator'" in msg


def test_registered_module_of_wrong_kind_is_rejected():
    with pytest.raises(ValueError, match='is not a BaseWeightGenerator'):
        _head(weight_generator=dict(type='TSNHead'))
    with pytest.raises(ValueError, match='DATPHead.aux_net.*DATPScoreAuxNet'):
        _head(aux_net=dict(type='MoGWeightGenerator'))


def test_unknown_argument_lists_the_arguments():
    with pytest.raises(ValueError) as e:
        _head(weight_generator=dict(
            type='MoGWeightGenerator', num_gausians=3))
    msg = str(e.value)
    assert "no argument 'num_gausians'" in msg
    assert "did you mean 'num_gaussians'" in msg and 'init_variance' in msg
    # arguments passed on through **kwargs to the base class are known
    with pytest.raises(ValueError, match="no argument 'num_fc'.*num_fcs"):
        _head(aux_net=dict(type='DATPConvAuxNet', spatial_size=1, num_fc=1))
    head = _head(aux_net=dict(type='DATPConvAuxNet', spatial_size=1,
                              num_fcs=1))
    assert head.aux_net is not None


def test_missing_type_and_other_fields():
    with pytest.raises(ValueError, match='config dict with a "type"'):
        _head(weight_generator=dict(num_gaussians=2))
    with pytest.raises(ValueError, match="pooling must be one of"):
        _head(pooling='average')
    with pytest.raises(ValueError, match='score_mode'):
        _head(score_mode='mix')


def test_registered_subclasses():
    names = registered_subclasses(BaseWeightGenerator)
    assert {'MoGWeightGenerator', 'DiscreteWeightGenerator'} <= set(names)
    assert 'TSNHead' not in names


@pytest.mark.parametrize('field, hint', [('num_segment', 'num_segments'),
                                         ('dropout', 'dropout_ratio'),
                                         ('avg_clips', 'average_clips')])
def test_head_field_typo_names_the_closest_field(field, hint):
    cfg = dict(type='DATPHead', num_classes=5, in_channels=16)
    cfg[field] = 1
    with pytest.raises(ValueError,
                       match=f"unknown config field '{field}' \\(did you "
                       f"mean '{hint}'\\?\\); DATPHead takes .*"
                       'label_smooth_eps'):
        MODELS.build(cfg)
