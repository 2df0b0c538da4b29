"""Scoring, late fusion and per-class analysis of ``--dump`` result pickles;
statistics over seeds; localisation of DATP's weights.

These modules need only the standard library, numpy and scipy (with
``MMDATP_NO_REGISTER=1`` they import without the stack). The registered
test metrics, which need MMAction2, are in :mod:`mmdatp.evaluation.metrics`:
``import mmdatp`` imports them, this package does not.
"""
from .generator_trace import mean_trace, trace_section, trace_table
from .localisation import (localisation_table, oracle_accuracy,
                           window_attention)
from .results import (FUSION_SCORES, ClassAccChange, accuracy_report,
                      check_labels_match,
                      class_accuracy_changes, fuse_scores, load_class_names,
                      load_results, per_class_accuracy, save_results)
from .seed_stats import (MeanCI, mean_ci, paired_diff_ci, seed_table,
                         summary_table)
from .splits import (FUSED, collect_split_accuracies, format_split_table,
                     mean_over_splits)

__all__ = [
    'FUSION_SCORES', 'ClassAccChange', 'accuracy_report', 'check_labels_match',
    'class_accuracy_changes', 'fuse_scores', 'load_class_names',
    'load_results', 'per_class_accuracy', 'save_results', 'MeanCI',
    'mean_ci', 'paired_diff_ci', 'seed_table', 'summary_table',
    'window_attention', 'localisation_table', 'oracle_accuracy',
    'mean_trace', 'trace_section',
    'trace_table', 'FUSED', 'collect_split_accuracies', 'format_split_table',
    'mean_over_splits'
]
