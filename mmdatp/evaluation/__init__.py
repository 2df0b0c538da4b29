"""Scoring, late fusion and per-class analysis of ``--dump`` result pickles."""
from .results import (ClassAccChange, accuracy_report, check_labels_match,
                      class_accuracy_changes, fuse_scores, load_class_names,
                      load_results, per_class_accuracy, save_results)

__all__ = [
    'ClassAccChange', 'accuracy_report', 'check_labels_match',
    'class_accuracy_changes', 'fuse_scores', 'load_class_names',
    'load_results', 'per_class_accuracy', 'save_results'
]
