"""Figures of the DATP paper (Song et al., ACM MM 2018)."""
from .class_acc_change import plot_class_acc_changes
from .temporal_weights import plot_temporal_weights, predict_video

__all__ = ['plot_class_acc_changes', 'plot_temporal_weights', 'predict_video']
