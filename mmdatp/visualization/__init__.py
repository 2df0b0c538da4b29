"""Figures of the DATP paper (Song et al., ACM MM 2018)."""
from .class_acc_change import plot_class_acc_changes
from .temporal_weights import plot_temporal_weights

__all__ = ['plot_class_acc_changes', 'plot_temporal_weights']


def __getattr__(name: str):
    # predict_video moved to mmdatp.apis.inference (it runs a model, the
    # figures only draw); imported lazily so that visualization does not
    # import apis
    if name == 'predict_video':
        from ..apis.inference import predict_video
        return predict_video
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
