"""Train the DATP aux net alone for the first epochs of a fine-tuning."""
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ._model import cls_head


@HOOKS.register_module()
class AuxWarmupHook(Hook):
    """At the start of a fine-tuning only the aux net learns.

    Not in the paper, which fine-tunes everything at once from the TSN
    (Sec. 4.2). During the warm-up the DATP head's classifier and the
    backbone get zero gradients (:attr:`DATPHead.classifier_grad_scale` =
    0: the aux net still reads the backbone's features and the weights
    still pool the classifier's scores), so the weights move towards the
    segments that the TSN's own classifier gets right before that
    classifier adapts to the weights. Afterwards everything trains as
    usual. Weight decay and the BN statistics still move during the
    warm-up; zero gradients leave every parameter in DDP's reduction.

    Measured on the video ``position`` benchmark (docs/en/benchmarks.md,
    "K=2 on video"), 2 of 6 epochs: it trades seeds, so no config uses
    it. K=2 went from 18.0 to 97.0% on the seed where its means drifted
    to the distractor, but from 88.0 to 37.0% on another, where the
    weights found the window during the warm-up and lost it once the
    classifier trained; K=1 and the discrete weights got worse on
    average.

    Args:
        epochs (int, optional): Warm-up epochs, from the first.
        ratio (float, optional): Or the warm-up as a share of all
            training iterations, in [0, 1) (e.g. 1/3 of a 6-epoch
            fine-tuning is its first 2 epochs; of a 1-epoch one, its
            first third). Give exactly one of ``epochs`` and ``ratio``.
    """

    priority = 'NORMAL'

    def __init__(self, epochs: Optional[int] = None,
                 ratio: Optional[float] = None) -> None:
        if (epochs is None) == (ratio is None):
            raise ValueError('AuxWarmupHook: give exactly one of epochs and '
                             f'ratio, got epochs={epochs!r}, ratio={ratio!r}')
        if epochs is not None and (not isinstance(epochs, int)
                                   or isinstance(epochs, bool)
                                   or epochs < 0):
            raise ValueError('AuxWarmupHook: epochs must be an int >= 0, '
                             f'got {epochs!r}')
        if ratio is not None and (isinstance(ratio, bool)
                                  or not isinstance(ratio, (int, float))
                                  or not 0 <= ratio < 1):
            raise ValueError('AuxWarmupHook: ratio must be a number in '
                             f'[0, 1), got {ratio!r}')
        self.epochs = epochs
        self.ratio = ratio

    @staticmethod
    def _head(runner):
        head = cls_head(runner)
        if not hasattr(head, 'classifier_grad_scale'):
            raise TypeError('AuxWarmupHook needs a model whose cls_head is a '
                            'DATPHead (classifier_grad_scale), got '
                            f'{type(head).__name__}')
        return head

    def warming(self, runner) -> bool:
        """Whether the coming training iteration is in the warm-up."""
        if self.epochs is not None:
            return runner.epoch < self.epochs
        return runner.iter < round(self.ratio * runner.max_iters)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        self._head(runner).classifier_grad_scale = \
            0.0 if self.warming(runner) else 1.0

    def after_train(self, runner) -> None:
        self._head(runner).classifier_grad_scale = 1.0
