"""What the hooks read from the runner's model."""
from mmengine.model import is_model_wrapper


def bare_model(runner):
    """The runner's model without its DDP (or other) wrapper."""
    model = runner.model
    return model.module if is_model_wrapper(model) else model


def cls_head(runner):
    """The recognizer's ``cls_head``, or None."""
    return getattr(bare_model(runner), 'cls_head', None)
