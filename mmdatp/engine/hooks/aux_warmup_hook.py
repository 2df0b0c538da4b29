"""Train the DATP aux net alone for the first epochs of a fine-tuning."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


@HOOKS.register_module()
class AuxWarmupHook(Hook):
    """For the first ``epochs`` epochs only the aux net learns.

    Not in the paper, which fine-tunes everything at once from the TSN
    (Sec. 4.2). During the warm-up the DATP head's classifier and the
    backbone get zero gradients (:attr:`DATPHead.classifier_grad_scale` =
    0: the aux net still reads the backbone's features and the weights
    still pool the classifier's scores), so the weights move towards the
    segments that the TSN's own classifier gets right before that
    classifier adapts to the weights. Afterwards everything trains as
    usual. Weight decay and the BN statistics still move during the
    warm-up; zero gradients leave every parameter in DDP's reduction.

    Why: on the video ``position`` benchmark K=2's means drift towards
    the distractor on seeds whose TSN is weak while the classifier learns
    under those weights ("any class but the one shown"), and neither
    recovers (docs/en/benchmarks.md, "K=2 on video").

    Args:
        epochs (int): Epochs of aux-net-only training, from the first.
            Defaults to 1.
    """

    priority = 'NORMAL'

    def __init__(self, epochs: int = 1) -> None:
        if not isinstance(epochs, int) or isinstance(epochs, bool) or \
                epochs < 0:
            raise ValueError('AuxWarmupHook: epochs must be an int >= 0, '
                             f'got {epochs!r}')
        self.epochs = epochs

    @staticmethod
    def _head(runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        head = getattr(model, 'cls_head', None)
        if not hasattr(head, 'classifier_grad_scale'):
            raise TypeError('AuxWarmupHook needs a model whose cls_head is a '
                            'DATPHead (classifier_grad_scale), got '
                            f'{type(head).__name__}')
        return head

    def before_train_epoch(self, runner) -> None:
        warm = runner.epoch < self.epochs
        self._head(runner).classifier_grad_scale = 0.0 if warm else 1.0

    def after_train(self, runner) -> None:
        self._head(runner).classifier_grad_scale = 1.0
