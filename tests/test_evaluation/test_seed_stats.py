"""Mean ± 95% CI over seeds and paired differences, against closed forms."""
import math

import numpy as np
import pytest
from mmdatp.evaluation import mean_ci, paired_diff_ci, seed_table

# Student's t quantiles t_{0.975, df} from a printed table
T975 = {1: 12.706, 2: 4.303, 4: 2.776}


def test_mean_ci_closed_form():
    x = [0.5, 0.7, 0.6, 0.9, 0.8]  # mean 0.7, sd sqrt(0.025)
    ci = mean_ci(x)
    assert ci.mean == pytest.approx(0.7)
    assert ci.half_width == pytest.approx(
        T975[4] * math.sqrt(0.025) / math.sqrt(5), rel=1e-3)
    assert ci.n == 5 and ci.low < 0.7 < ci.high
    # two values: t with 1 degree of freedom
    ci = mean_ci([0.2, 0.4])
    assert ci.half_width == pytest.approx(T975[1] * 0.1, rel=1e-3)
    # a wider coverage gives a wider interval
    assert mean_ci(x, 0.99).half_width > mean_ci(x).half_width


def test_single_seed_has_no_interval_and_bad_input_is_refused():
    ci = mean_ci([0.4])
    assert ci.mean == 0.4 and math.isnan(ci.half_width)
    assert not ci.excludes_zero()
    assert ci.format() == '40.0 ± n/a'
    with pytest.raises(ValueError, match='at least one'):
        mean_ci([])
    with pytest.raises(ValueError, match='finite'):
        mean_ci([0.1, float('nan')])
    with pytest.raises(ValueError, match='confidence'):
        mean_ci([0.1, 0.2], confidence=1.5)
    with pytest.raises(ValueError, match='pair them by seed'):
        paired_diff_ci([0.1, 0.2], [0.3])


def test_paired_difference_removes_what_seeds_share():
    # the seeds move both rows together: unpaired intervals overlap, the
    # paired difference (always +0.05) does not include zero
    base = np.array([0.2, 0.5, 0.8, 0.35, 0.65])
    row = base + np.array([0.04, 0.06, 0.05, 0.05, 0.05])
    assert mean_ci(row).low < mean_ci(base).high  # overlapping
    diff = paired_diff_ci(row, base)
    assert diff.mean == pytest.approx(0.05)
    assert diff.excludes_zero() and diff.low > 0
    assert diff.half_width == pytest.approx(
        T975[4] * np.std([.04, .06, .05, .05, .05], ddof=1) / math.sqrt(5),
        rel=1e-3)


def test_seed_table_verdicts():
    results = {
        'tsn': {0: 0.20, 1: 0.30, 2: 0.25},
        'better': {0: 0.90, 1: 0.95, 2: 0.92},
        'worse': {0: 0.10, 1: 0.20, 2: 0.16},
        'mixed': {0: 0.90, 1: 0.10, 2: 0.40},
        'one seed': {0: 0.5},
    }
    table = seed_table(results, ['tsn', 'better', 'worse', 'mixed',
                                 'one seed', 'absent'], 'tsn', 'Title')
    lines = {line.split('|')[1].strip(): line
             for line in table.splitlines() if line.startswith('| ')}
    assert table.startswith('Title\n')
    assert '(baseline)' in lines['tsn']
    assert lines['better'].rstrip(' |').endswith('better')
    assert 'WORSE' in lines['worse']
    assert 'no difference shown' in lines['mixed']
    assert '90.0 95.0 92.0' in lines['better']  # per seed, in percent
    # 0.923.. - 0.25 = +67.3 points
    assert '+67.3 ±' in lines['better']
    # one paired seed: no interval, so no verdict of better/worse
    assert 'n/a' in lines['one seed'] and 'one seed: no CI' in \
        lines['one seed']
    assert lines['absent'] == '| absent | 0 | - | - | - | - |'


def test_summary_table_over_tasks():
    from mmdatp.evaluation import summary_table
    results = {
        'a': {'tsn': {0: .2, 1: .3, 2: .25}, 'datp': {0: .9, 1: .95, 2: .9}},
        'b': {'tsn': {0: .5, 1: .6, 2: .4}, 'datp': {0: .1, 1: .2, 2: .15}},
    }
    lines = summary_table(results, ['tsn', 'datp', 'none'], 'tsn').split('\n')
    assert lines[0] == '| row | `a` | `b` |'
    tsn, datp, none = lines[2:]
    assert tsn == f'| tsn | {mean_ci([.2, .3, .25]).format()} | ' \
        f'{mean_ci([.5, .6, .4]).format()} |'
    assert '(+66.7 ±' in datp and datp.count('better') == 1
    assert '(-35.0 ±' in datp and 'WORSE' in datp
    assert none == '| none | - | - |'
