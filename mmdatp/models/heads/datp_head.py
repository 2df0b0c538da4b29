"""DATP head: per-segment classifier + Deep Adaptive Temporal Pooling."""
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from ..aux_nets import BaseAuxNet
from ..build_utils import _init_args, _suggest, build_checked, resolve_type
from ..fused_mog_pool import fused_mog_pool
from ..grad_scale import scale_grad
from ..pooling import weighted_l2_pool
from ..precision import autocast_off
from ..weight_generators import (BaseWeightGenerator, MoGWeightGenerator,
                                 RandomMoG, UniformWeights)

POOLINGS = ('datp', 'avg', 'random')


def _check_field_names(kwargs: Dict) -> None:
    """A config field DATPHead (and BaseHead) does not take: name it and
    the closest valid one, instead of BaseHead's bare TypeError."""
    valid, takes_any = _init_args(DATPHead)
    unknown = [k for k in kwargs if k not in valid]
    if unknown and not takes_any:
        name = unknown[0]
        raise ValueError(
            f'DATPHead: unknown config field {name!r}'
            f'{_suggest(name, valid)}; DATPHead takes '
            f'{", ".join(sorted(valid))}')
SCORE_MODES = ('mixture', 'pooled')


@MODELS.register_module()
class DATPHead(BaseHead):
    """TSN-style head whose segment consensus is DATP (Song et al., 2018).

    Drop-in replacement for ``TSNHead`` in a ``Recognizer2D``: same
    ``forward(x, num_segs)`` contract, same ``fc_cls`` layer name (so a TSN
    checkpoint's classifier loads), same loss and ``average_clips`` handling.
    Tensor flow, with B videos, V views (crops/clips) of N segments::

        x (B*V*N, C_in, h, w) -avgpool-dropout-fc_cls-> logits (B*V*N, C)
        I = softmax(logits)                           -> (B*V, N, C)
        aux net on I ('score') or on x ('conv')       -> theta (B*V, P)
          (pooling 'avg'/'random': drawn per video,    -> theta (B, P)
           no aux net; the views share it)
        weights generator at times t (B*V, N)          -> w (B*V, N)   (Eq. 1)
        S = sum_i I_i w_i / ||w||_2                    -> (B*V, C)     (Eq. 3)
        cls_score = log(S / sum_c S)                   -> (B*V, C)

    **Loss on S.** ``S`` is not a probability vector (its entries sum to
    ``sum_i w_i / ||w||_2``), so feeding it to a softmax cross-entropy as
    logits would squash it into a nearly uniform distribution. Because every
    ``I_i`` sums to one, ``S / sum_c S = sum_i a_i I_i`` with
    ``a = w / sum_i w_i``: a mixture of the segment probabilities weighted by
    the normalised temporal weights. The head returns its log, computed
    stably as ``logsumexp_i(log I_i + log a_i)``, as ``cls_score``. Then
    ``CrossEntropyLoss`` (log-softmax of a log-probability is itself) gives
    exactly ``-log(S_y / sum_c S_c)``, and ``average_clips='prob'`` recovers
    ``S / sum_c S``. The gradients reaching ``I`` and ``w`` are those of Eq. 4
    chained through this normalisation. ``score_mode='pooled'`` instead
    returns ``S`` itself as logits (a literal reading of the paper), kept for
    comparison.

    **Testing schemes** (paper Table 4), chosen by ``pooling``; the head
    only pools, each weighting is a registered weights generator:
    ``'datp'`` adaptive weights of ``weight_generator`` from the aux net (N
    segments per view, as trained); ``'avg'`` :class:`UniformWeights`, the
    average of the softmax scores over any number of segments (P2/P3);
    ``'random'`` :class:`RandomMoG`, a mixture of ``random_num_gaussians``
    Gaussians drawn once per video (P1): equal mixture weights, means
    ``~ U[0, 1]``, standard deviations ``~ U[0.05, 0.25]``, seeded by
    ``random_seed``. 'avg' and 'random' run no aux net.

    Predictions carry, per video, the fields ``datp_weights`` (w, (V, N)),
    ``datp_attention`` (w / sum w), ``datp_times`` (t), ``segment_scores``
    (I, (V, N, C)), ``pooled_score`` (S, (V, C)) and, for Gaussian weights,
    ``datp_rho``, ``datp_mu``, ``datp_sigma`` ((V, K)).

    Args:
        num_classes (int): Number of classes C.
        in_channels (int): Channels of the backbone features (512 for
            ResNet34).
        num_segments (int): N, segments per video in training and testing.
            Defaults to 10.
        aux_net (dict): Config of the auxiliary ConvNet
            (``DATPConvAuxNet`` or ``DATPScoreAuxNet``); ``num_segments``,
            ``out_channels`` and ``in_channels``/``num_classes`` are filled
            in from the head. None (no aux net) is allowed with
            ``pooling`` 'avg' or 'random', which regress nothing: a plain
            TSN checkpoint tested with ``--pooling avg`` then loads without
            missing keys. Defaults to ``dict(type='DATPConvAuxNet')``.
        weight_generator (dict): Config of the weights generator.
            Defaults to ``dict(type='MoGWeightGenerator', num_gaussians=2)``.
        pooling (str): 'datp', 'avg' or 'random'. Defaults to 'datp'.
        score_mode (str): 'mixture' (log of S / sum S, see above) or
            'pooled' (S as logits). Defaults to 'mixture'.
        random_num_gaussians (int): K of the random mixture used by
            ``pooling='random'`` (:class:`RandomMoG`). Defaults to 2.
        random_seed (int, optional): Seed of ``pooling='random'``.
            Defaults to None (torch's global generator).
        fused (bool): Compute the MoG weights and the pooling of
            ``pooling='datp'`` as one autograd function with hand-written
            gradients (:func:`~mmdatp.models.fused_mog_pool`): the same
            ``cls_score`` up to float rounding, in fewer ops. Used where
            the details are not returned (training); needs
            ``MoGWeightGenerator``. Defaults to False.
        spatial_type (str): 'avg' to average-pool the features before
            ``fc_cls``, or None if they are already pooled. Defaults to 'avg'.
        dropout_ratio (float): Dropout before ``fc_cls``. Defaults to 0.4.
        init_std (float): Std of the ``fc_cls`` initialisation.
            Defaults to 0.01.
        loss_cls (dict): Loss config. Defaults to CrossEntropyLoss.
        average_clips (str): How to average views at test time; 'prob'
            recovers S / sum S in 'mixture' mode. Defaults to 'prob'.
        **kwargs: Other arguments of ``BaseHead``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_segments: int = 10,
                 aux_net: Optional[Dict] = dict(type='DATPConvAuxNet'),
                 weight_generator: Dict = dict(
                     type='MoGWeightGenerator', num_gaussians=2),
                 pooling: str = 'datp',
                 score_mode: str = 'mixture',
                 random_num_gaussians: int = 2,
                 random_seed: Optional[int] = None,
                 fused: bool = False,
                 spatial_type: Optional[str] = 'avg',
                 dropout_ratio: float = 0.4,
                 init_std: float = 0.01,
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 average_clips: Optional[str] = 'prob',
                 **kwargs) -> None:
        _check_field_names(kwargs)
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            average_clips=average_clips,
            **kwargs)
        if not isinstance(num_segments, int) or num_segments < 1:
            raise ValueError('DATPHead: num_segments must be an int >= 1, '
                             f'got {num_segments!r}')
        if pooling not in POOLINGS:
            raise ValueError(f'DATPHead: pooling must be one of {POOLINGS}, '
                             f'got {pooling!r}')
        if score_mode not in SCORE_MODES:
            raise ValueError('DATPHead: score_mode must be one of '
                             f'{SCORE_MODES}, got {score_mode!r}')
        if spatial_type not in ('avg', None):
            raise ValueError("DATPHead: spatial_type must be 'avg' or None, "
                             f'got {spatial_type!r}')
        if not isinstance(random_num_gaussians, int) or \
                random_num_gaussians < 1:
            raise ValueError('DATPHead: random_num_gaussians must be an int '
                             f'>= 1, got {random_num_gaussians!r}')
        self.num_segments = num_segments
        self.pooling = pooling
        self.score_mode = score_mode
        self.random_num_gaussians = random_num_gaussians
        # the testing schemes' generators (no parameters, no state_dict keys)
        self.uniform_weights = UniformWeights()
        self.random_weights = RandomMoG(
            num_gaussians=random_num_gaussians, seed=random_seed)
        self.spatial_type = spatial_type
        self.init_std = init_std

        self.weight_generator = build_checked(weight_generator,
                                              BaseWeightGenerator,
                                              'DATPHead.weight_generator')
        gen_n = getattr(self.weight_generator, 'num_segments', num_segments)
        if gen_n != num_segments:
            raise ValueError(
                f'DATPHead: weight_generator has num_segments={gen_n} but '
                f'the head has num_segments={num_segments}; they must match')
        # exactly the MoG generator: a subclass may weight differently
        if fused and type(self.weight_generator) is not MoGWeightGenerator:
            raise ValueError('DATPHead: fused=True needs a MoGWeightGenerator'
                             f', got {type(self.weight_generator).__name__}')
        if fused and self.weight_generator.normalize_components:
            raise ValueError('DATPHead: fused=True computes Eq. 1 as the '
                             'paper has it; set fused=False with '
                             'MoGWeightGenerator(normalize_components=True)')
        if fused and self.weight_generator.share_scaled_grad:
            raise ValueError('DATPHead: fused=True has the gradients of Eq. '
                             '2 written out; set fused=False with '
                             'MoGWeightGenerator(share_scaled_grad=True)')
        self.fused = fused
        if aux_net is None:
            if pooling == 'datp':
                raise ValueError("DATPHead: pooling='datp' needs an aux_net "
                                 "to regress the weights; aux_net=None is "
                                 "only possible with pooling 'avg' or "
                                 "'random'")
            self.aux_net = None
        else:
            self.aux_net = build_checked(
                self._complete_aux_cfg(aux_net), BaseAuxNet,
                'DATPHead.aux_net')

        self.avg_pool = nn.AdaptiveAvgPool2d(1) if spatial_type else None
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc_cls = nn.Linear(in_channels, num_classes)
        # runtime state, not a setting (AuxWarmupHook sets it): in training,
        # the gradient reaching fc_cls, and the backbone through both the
        # classifier and the aux net's input, is multiplied by this; 0
        # trains the aux net alone on the classifier it started from
        self.classifier_grad_scale = 1.0

    def _complete_aux_cfg(self, aux_net: Dict) -> Dict:
        """Fill the aux net's sizes from the head; reject contradictions."""
        input_type = resolve_type(aux_net, BaseAuxNet,
                                  'DATPHead.aux_net').input_type
        cfg = dict(aux_net)
        if input_type not in ('score', 'conv'):
            raise ValueError(
                f'DATPHead: aux_net type {cfg.get("type")!r} is not a DATP '
                'auxiliary net; use DATPConvAuxNet or DATPScoreAuxNet')
        fill = dict(
            num_segments=self.num_segments,
            out_channels=self.weight_generator.num_params)
        if input_type == 'conv':
            fill['in_channels'] = self.in_channels
        else:
            fill['num_classes'] = self.num_classes
        for key, value in fill.items():
            if key in cfg and cfg[key] != value:
                raise ValueError(
                    f'DATPHead: aux_net.{key}={cfg[key]!r} contradicts the '
                    f'head, which needs {value!r} (num_segments, in_channels '
                    'and num_classes come from the head, out_channels from '
                    'the weight generator); remove it or make them agree')
            cfg[key] = value
        return cfg

    def init_weights(self) -> None:
        """Init ``fc_cls`` like TSN and the aux regressor STN-style."""
        super().init_weights()
        nn.init.normal_(self.fc_cls.weight, 0, self.init_std)
        nn.init.zeros_(self.fc_cls.bias)
        if self.aux_net is not None:
            self.aux_net.init_regressor(self.weight_generator.init_params())

    @property
    def random_seed(self) -> Optional[int]:
        """Seed of ``pooling='random'`` (of :attr:`random_weights`)."""
        return self.random_weights.seed

    @property
    def pooling_generator(self) -> BaseWeightGenerator:
        """The weights generator of the current ``pooling`` scheme."""
        return dict(
            datp=self.weight_generator,
            avg=self.uniform_weights,
            random=self.random_weights)[self.pooling]

    # ------------------------------------------------------------------ #
    def _views(self,
               num_segs: int,
               times_len: Optional[int] = None) -> Tuple[int, int]:
        """(views V, segments per view n) for ``num_segs`` inputs per video.

        The segment times, when given, describe one view: ``n`` is their
        length and ``V = num_segs / n`` (spatial crops share the times).
        Without times, 'avg' reads one view of ``num_segs`` segments and
        'datp'/'random' read views of the N segments the head was built for.
        'datp' needs ``n = N`` (its aux net and discrete weights are sized
        for N); 'avg' and 'random' weight any ``n`` by the times.
        """
        n_head = self.num_segments
        if times_len is not None:
            if times_len < 1 or num_segs % times_len:
                raise ValueError(
                    f'DATPHead: a video brought {num_segs} segments but '
                    f'{times_len} segment_times; the inputs must be V '
                    f'views of the {times_len} segments the times describe')
            views, n = num_segs // times_len, times_len
        elif self.pooling == 'avg':
            views, n = 1, num_segs
        else:
            if num_segs % n_head:
                raise ValueError(
                    f'DATPHead(pooling={self.pooling!r}) was built for '
                    f'num_segments={n_head}, but a video brought '
                    f'{num_segs} segments (not a multiple); sample N='
                    f'{n_head} segments per view or use pooling=avg')
            views, n = num_segs // n_head, n_head
        if self.pooling == 'datp' and n != n_head:
            raise ValueError(
                f"DATPHead(pooling='datp') was built for num_segments="
                f'{n_head} segments per view, but the test sampler gave '
                f'{n} segments per view ({num_segs} per video, {views} '
                f'view(s)); sample N={n_head} (DATPSampleFrames '
                f'num_segments, tools/test.py --num-segments {n_head}) or '
                'test with --pooling avg, which pools any number')
        return views, n

    def forward(self,
                x: torch.Tensor,
                num_segs: Optional[int] = None,
                times: Optional[torch.Tensor] = None,
                return_details: bool = False,
                **kwargs) -> Union[torch.Tensor, Tuple[torch.Tensor, Dict]]:
        """Per-segment classification and adaptive temporal pooling.

        Args:
            x (torch.Tensor): Backbone features of shape
                (B * num_segs, C_in, h, w) (or (B * num_segs, C_in) when
                ``spatial_type`` is None).
            num_segs (int, optional): Segments per video (V * N for V views).
                Defaults to ``num_segments``.
            times (torch.Tensor, optional): Normalised segment times of
                one view, shape (B, n) or (n,); their length ``n`` sets the
                views ``V = num_segs / n``. Defaults to the segment centres
                ``(i + 0.5) / n`` (see :meth:`_views` for ``n``).
            return_details (bool): Also return the weights, parameters and
                per-segment scores. Defaults to False.

        Returns:
            torch.Tensor | tuple: ``cls_score`` of shape (B * V, C), and the
            details dict if ``return_details``.
        """
        num_segs = num_segs or self.num_segments
        if x.shape[1] != self.in_channels:
            raise ValueError(f'DATPHead: expected features with in_channels='
                             f'{self.in_channels}, got shape '
                             f'{tuple(x.shape)}')
        if x.shape[0] % num_segs:
            raise ValueError(f'DATPHead: batch of {x.shape[0]} features is '
                             f'not a multiple of num_segs={num_segs}')
        if times is not None:
            times = torch.as_tensor(times)
        views, n = self._views(num_segs,
                               None if times is None else times.shape[-1])
        bv = x.shape[0] // n  # B * V

        feat = self.avg_pool(x) if self.avg_pool is not None else x
        feat = feat.flatten(1)
        if self.dropout is not None:
            feat = self.dropout(feat)
        logits = self.fc_cls(feat).view(bv, n, -1)  # B*V, N, C
        grad_scale = self.classifier_grad_scale if self.training else 1.0
        logits = scale_grad(logits, grad_scale)
        # from the scores on, float32 whatever the autocast dtype (float64
        # stays float64): theta, the weights and the pooling need it
        dtype = torch.promote_types(logits.dtype, torch.float32)
        log_probs = F.log_softmax(logits.to(dtype), dim=-1)
        probs = log_probs.exp()  # I

        t = self._expand_times(times, bv, views, n, x)
        generator = self.pooling_generator
        if generator.learned:
            if self.aux_net is None:
                raise ValueError("DATPHead: pooling='datp' needs an aux net; "
                                 'this head was built with aux_net=None')
            if self.aux_net.input_type == 'score':
                theta = self.aux_net(probs)
            else:
                theta = self.aux_net(
                    scale_grad(x, grad_scale).view((bv, n) + x.shape[1:]))
            if self.fused and not return_details:
                # one autograd function with the closed-form Eq. 2/4
                # gradients, in float32 like the unfused path below
                with autocast_off(x.device):
                    return fused_mog_pool(
                        log_probs if self.score_mode == 'mixture' else probs,
                        theta.to(dtype), t.to(dtype), generator.min_sigma,
                        generator.max_sigma, self.score_mode,
                        generator.mu_range)
        else:
            # one draw per video, shared by its views (times are too)
            theta = generator.sample_theta(bv // views, t[::views])
            theta = theta.unsqueeze(1).expand(-1, views, -1).reshape(bv, -1)
        with autocast_off(x.device):
            theta = theta.to(dtype)  # the aux net's regressor is float32
            log_w = generator.log_weights(theta, t.to(dtype))
            params: Dict[str, torch.Tensor] = {}
            if return_details:
                params = generator.decode(theta)

            log_a = F.log_softmax(log_w, dim=1)  # a = w / sum w
            if return_details or self.score_mode == 'pooled':
                # S is invariant to the scale of w: shift by the max for
                # stability. Only computed where used: in 'mixture'
                # training the loss needs log_a alone, and each skipped op
                # is a kernel launch less per iteration on a GPU.
                w_scaled = (log_w - log_w.max(dim=1, keepdim=True)[0]).exp()
                pooled = weighted_l2_pool(probs, w_scaled)  # Eq. 3, B*V, C
            if self.score_mode == 'mixture':
                cls_score = torch.logsumexp(log_probs + log_a.unsqueeze(-1),
                                            1)
            else:
                cls_score = pooled
        if not return_details:
            return cls_score
        details = dict(
            weights=log_w.exp(),
            attention=log_a.exp(),
            times=t,
            segment_scores=probs,
            pooled_score=pooled,
            views=views)
        # generator parameters (rho, mu, sigma for Gaussians); the discrete
        # generator's parameters are the weights themselves
        details.update({k: v for k, v in params.items() if k not in details})
        return cls_score, details

    @staticmethod
    def _expand_times(times: Optional[torch.Tensor], bv: int, views: int,
                      n: int, ref: torch.Tensor) -> torch.Tensor:
        """Times of shape (B*V, n) from (B, n), (n,) or None.

        The times are float32 (float64 with float64 features) whatever the
        autocast dtype of ``ref``: the Gaussians' ``(t - mu) / sigma`` needs
        more than fp16's 11 bits. ``loss``/``predict`` hand in times that
        are on the device already (see :meth:`_times_from`).
        """
        dtype = torch.promote_types(ref.dtype, torch.float32)
        if times is None:
            centre = (torch.arange(n, dtype=dtype, device=ref.device) +
                      0.5) / n
            return centre.expand(bv, n)
        times = torch.as_tensor(times, dtype=dtype, device=ref.device)
        if times.dim() == 1:
            times = times.expand(bv // views, -1)
        if times.shape != (bv // views, n):
            raise ValueError(
                f'DATPHead: segment_times must have shape ({bv // views}, '
                f'{n}) (videos, segments), got {tuple(times.shape)}')
        # repeat each video's row V times (expand: no host sync, unlike
        # repeat_interleave, which may read the output size off the device;
        # with V = 1 the reshape is a view)
        return times.unsqueeze(1).expand(-1, views, -1).reshape(bv, n)

    # ------------------------------------------------------------------ #
    def _times_from(self, data_samples: SampleList,
                    device: torch.device) -> Optional[torch.Tensor]:
        """Stack ``segment_times`` recorded by ``DATPSampleFrames``: (B, n).

        Each sample's times describe the ``n`` segments of one view (the
        crops of a video share them); :meth:`forward` reads the views from
        ``n``.

        Host times go to a GPU through pinned memory without blocking: a
        plain host-to-device copy synchronises the stream, stalling the host
        until the backbone has run and exposing every kernel launch of the
        head (done here, outside ``forward``, which may be compiled).
        """
        if not data_samples or 'segment_times' not in data_samples[0]:
            return None
        values = [sample.segment_times for sample in data_samples]
        # host arrays (what the pipeline packs) become one tensor for the
        # batch: a tensor op per sample costs ~10 us of dispatch, 32 per
        # batch; tensors (e.g. moved to the GPU by a preprocessor) stay put
        on_device = all(isinstance(v, torch.Tensor) for v in values)
        rows = []
        for value in values:
            t = value if on_device else np.asarray(value, dtype=np.float32)
            t = t.reshape(-1)
            if rows and len(t) != len(rows[0]):
                raise ValueError(
                    f'DATPHead: data samples of one batch have '
                    f'{len(rows[0])} and {len(t)} segment_times; sample the '
                    'same number of segments for every video')
            rows.append(t)
        if on_device:
            return torch.stack(rows).to(device)
        times = torch.from_numpy(np.stack(rows))
        if device.type == 'cuda':
            times = times.pin_memory().to(device, non_blocking=True)
        return times

    def loss(self, feats: torch.Tensor, data_samples: SampleList,
             **kwargs) -> Dict:
        """Loss of the pooled prediction (see class docstring)."""
        num_segs = kwargs.pop('num_segs', self.num_segments)
        times = self._times_from(data_samples, feats.device)
        cls_scores = self(feats, num_segs=num_segs, times=times)
        if cls_scores.shape[0] != len(data_samples):
            raise ValueError(
                f'DATPHead: training expects one view of {self.num_segments}'
                f' segments per video, got {cls_scores.shape[0]} views for '
                f'{len(data_samples)} videos')
        return self.loss_by_feat(cls_scores, data_samples)

    def loss_by_feat(self, cls_scores: torch.Tensor,
                     data_samples: SampleList) -> Dict:
        """``BaseHead.loss_by_feat`` with the top-k accuracies on the device.

        The loss, label smoothing and logged ``top{k}_acc`` values are
        mmaction's; only the accuracies are computed with ``torch.topk``
        instead of numpy. mmaction copies the scores to the host for them,
        which synchronises the GPU in the middle of every training
        iteration: the host then waits for the backbone, and every backward
        kernel of the head is launched onto an idle GPU. Without that wait
        the head's launches overlap the backbone's work (on an H200, fp16
        autocast, batch 32 x 10 x 224: +3.2% over TSN with the host top-k,
        -2.5% without, as TSNHead still syncs; README, "Overhead of DATP").
        Ties between equal scores may rank differently from numpy's
        argsort.
        """
        labels = torch.stack([x.gt_label for x in data_samples])
        labels = labels.to(cls_scores.device).view(cls_scores.shape[0], -1)
        hard = labels.shape[1] != cls_scores.shape[1]  # else soft labels
        losses = dict()
        if hard:
            labels = labels[:, 0]
            k_max = min(max(self.topk), cls_scores.shape[1])
            top = cls_scores.detach().topk(k_max, dim=1).indices
            hits = top == labels.unsqueeze(1)  # B, k_max
            for k in self.topk:
                losses[f'top{k}_acc'] = hits[:, :k].any(1).float().mean()
        if self.label_smooth_eps != 0:
            if hard:
                labels = F.one_hot(labels, num_classes=self.num_classes)
            labels = ((1 - self.label_smooth_eps) * labels +
                      self.label_smooth_eps / self.num_classes)
        loss_cls = self.loss_cls(cls_scores, labels)
        if isinstance(loss_cls, dict):
            losses.update(loss_cls)
        else:
            losses['loss_cls'] = loss_cls
        return losses

    def predict(self, feats: torch.Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Predict, attaching the temporal weights to each data sample."""
        num_segs = kwargs.pop('num_segs', self.num_segments)
        times = self._times_from(data_samples, feats.device)
        cls_scores, details = self(
            feats, num_segs=num_segs, times=times, return_details=True)
        data_samples = self.predict_by_feat(cls_scores, data_samples)
        views = details.pop('views')
        names = dict(
            weights='datp_weights',
            attention='datp_attention',
            times='datp_times',
            rho='datp_rho',
            mu='datp_mu',
            sigma='datp_sigma',
            segment_scores='segment_scores',
            pooled_score='pooled_score')
        for key, value in details.items():
            if key not in names:
                continue
            per_video = value.detach().view((len(data_samples), views) +
                                            value.shape[1:])
            for sample, v in zip(data_samples, per_video):
                sample.set_field(v, names[key])
        return data_samples
