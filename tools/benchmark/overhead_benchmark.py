"""Time overhead of DATP over TSN's average consensus (paper Sec. 4.4).

Builds three TSN-ResNet34 recognizers from our configs, randomly initialised
(no checkpoint download), and times them on random inputs:

    tsn          configs/tsn_r34_hmdb51.py: TSNHead, average consensus
    datp_conv    configs/datp_tsn_r34_hmdb51.py: DATP, conv-feature aux net,
                 MoG K=2
    datp_score   the same with the softmax-score aux net (DATPScoreAuxNet)

and reports median times and ratios to ``tsn`` of

    train iter   ``model.train_step`` (forward, backward, SGD step) on a
                 batch of B videos x N segments
    test video   ``model.test_step`` on one video: N segments, one view
                 (``--paper-test``: 25 segments x 10 crops, TSN's protocol)
    head         the head alone, forward + backward on the backbone feature
                 tensor (B*N, 512, s, s): on a CPU the backbone dominates the
                 whole-model times, this row shows the head's own cost

``--fused`` adds, for each DATP conv row, the same model with
``DATPHead(fused=True)`` (MoG weights and pooling as one autograd function,
``mmdatp.models.fused_mog_pool``) and prints the fused / unfused ratios.
The fused function computes the paper's Eq. 1 and 2, so with ``--fused``
every DATP row (fused or not) uses them (``normalize_components=False``,
``share_scaled_grad=False``) and the ratios compare the same maths.

Measurements are interleaved round-robin (tsn, datp_conv, datp_score, tsn,
...) after warm-up, so drifts of the machine hit all models alike.

The paper reports ~0.75 s/batch without DATP and ~0.83 s/batch with it
(+10.7%, softmax-score input, K=1, 2 Titan Xp). It gives the input (224 x
224, N=10) but not the batch size; on cuda the default batch is our configs'
32 videos (tsn-pytorch's recipe), on cpu a small 2 videos x 10 segments x
112 px.

Usage:
    python tools/benchmark/overhead_benchmark.py [--device cpu|cuda]
        [--batch-size B] [--input-size S] [--repeats R] [--amp] [--compile]
        [--paper-test] [--host-topk-control] [--fused] [--quick]
"""
import argparse
import contextlib
import logging
import math
import os.path as osp
import statistics
import time
import types
from typing import Callable, Dict, List

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
import torch
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TSN_CONFIG = osp.join(REPO, 'configs', 'tsn_r34_hmdb51.py')
DATP_CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51.py')
MODEL_NAMES = ('tsn', 'datp_conv', 'datp_score')
#: --host-topk-control adds this row: DATP with mmaction's own
#: BaseHead.loss_by_feat, whose numpy top-k accuracy syncs the GPU
HOST_TOPK = 'datp_conv_host_topk'
#: --fused adds this suffix's twin of each DATP conv row: DATPHead(fused=True)
FUSED = '_fused'
LABELS = dict(
    tsn='TSN-R34, average consensus',
    datp_conv='DATP conv features, K=2',
    datp_score='DATP softmax scores, K=2',
    datp_conv_host_topk='DATP conv, mmaction top-k',
    datp_conv_fused='DATP conv, fused',
    datp_conv_host_topk_fused='DATP conv, mmaction top-k, fused')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='videos per training batch (default: 32 on cuda, 2 on cpu)')
    parser.add_argument('--num-segments', type=int, default=10)
    parser.add_argument(
        '--input-size',
        type=int,
        default=None,
        help='square input side, >= 32 (default: 224 on cuda, 112 on cpu)')
    parser.add_argument('--num-classes', type=int, default=51)
    parser.add_argument('--repeats', type=int, default=None,
                        help='timed rounds per model (default 20 cuda, 5 cpu)')
    parser.add_argument('--warmup', type=int, default=None,
                        help='untimed rounds per model (default 5 cuda, 1 cpu)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='autocast: fp16 with a loss scaler on cuda, bf16 on cpu')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile the forward of the backbone and of the head')
    parser.add_argument(
        '--paper-test',
        action='store_true',
        help='test on 25 segments x 10 crops per video instead of N x 1')
    parser.add_argument(
        '--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument(
        '--flops-size',
        type=int,
        default=None,
        help='also count FLOPs per training iteration at this input size '
        '(default 224, the paper\'s; 0 skips; --quick: 32)')
    parser.add_argument(
        '--host-topk-control',
        action='store_true',
        help='add a row: DATP conv features with mmaction\'s '
        'BaseHead.loss_by_feat (top-k accuracy on the host, a GPU sync '
        'per iteration) instead of DATPHead\'s on-device one')
    parser.add_argument(
        '--fused',
        action='store_true',
        help='add rows: each DATP conv-feature model again with '
        'DATPHead(fused=True), and print the fused / unfused ratios')
    parser.add_argument(
        '--profile',
        action='store_true',
        help='after timing, profile one training iteration per model with '
        'torch.profiler and print its most expensive ops (where the '
        'difference between the models goes)')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='a smoke run: 1 video, 32 px, 1 repeat (numbers meaningless)')
    args = parser.parse_args(argv)
    gpu = args.device == 'cuda'
    if args.quick:
        defaults = dict(
            batch_size=1, input_size=32, repeats=1, warmup=0, flops_size=32)
    else:
        defaults = dict(
            batch_size=32 if gpu else 2,
            input_size=224 if gpu else 112,
            repeats=20 if gpu else 5,
            warmup=5 if gpu else 1,
            flops_size=224)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.input_size < 32:
        parser.error(f'--input-size must be >= 32 (ResNet stride), got '
                     f'{args.input_size}')
    if args.batch_size < 1 or args.repeats < 1 or args.num_segments < 1:
        parser.error('--batch-size, --repeats and --num-segments must be '
                     '>= 1')
    args.models = MODEL_NAMES + ((HOST_TOPK, ) if args.host_topk_control
                                 else ())
    if args.fused:
        args.models += tuple(name + FUSED for name in args.models
                             if name.startswith('datp_conv'))
    if gpu and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device is available')
    return args


def feature_size(input_size: int) -> int:
    """Side of ResNet's last feature map: five stride-2 stages round up."""
    return math.ceil(input_size / 32)


def build_model(name: str, args) -> torch.nn.Module:
    """One of ``args.models`` from our configs, random init, on the
    device."""
    fused = name.endswith(FUSED)
    name = name[:-len(FUSED)] if fused else name
    cfg = Config.fromfile(TSN_CONFIG if name == 'tsn' else DATP_CONFIG)
    model_cfg = cfg.model
    model_cfg.backbone.pretrained = None
    head = model_cfg.cls_head
    head.num_classes = args.num_classes
    if name != 'tsn':
        head.num_segments = args.num_segments
        head.aux_net.spatial_size = feature_size(args.input_size)
    if name == 'datp_score':
        head.aux_net = dict(type='DATPScoreAuxNet')
    if args.fused and name != 'tsn':
        # the fused function is Eq. 1 and Eq. 2 as the paper has them:
        # the unfused twin computes the same mixture and gradients
        head.weight_generator.normalize_components = False
        head.weight_generator.share_scaled_grad = False
    if fused:
        head.fused = True
    model = MODELS.build(model_cfg)
    model.init_weights()
    if name == HOST_TOPK:
        model.cls_head.loss_by_feat = types.MethodType(
            BaseHead.loss_by_feat, model.cls_head)
    model.to(args.device)
    if args.amp and args.device == 'cpu':
        # mmaction's BaseHead.loss_by_feat calls .numpy() on the scores,
        # which has no bfloat16: hand fp32 scores to it (TSNHead's fc
        # output is bf16 under autocast; DATPHead's is fp32 already)
        forward = model.cls_head.forward

        def fp32_forward(*a, **kw):
            out = forward(*a, **kw)
            return out.float() if isinstance(out, torch.Tensor) else out

        model.cls_head.forward = fp32_forward
    if args.compile:
        # like mmengine's compile option, but per module so that the head's
        # loss/predict (called by name, not through forward) still use it
        model.backbone.forward = torch.compile(model.backbone.forward)
        model.cls_head.forward = torch.compile(model.cls_head.forward)
    return model


def make_batch(args, videos: int, frames: int, seed: int) -> Dict:
    """Random uint8-range frames, labels and segment times."""
    g = torch.Generator().manual_seed(seed)
    size = args.input_size
    inputs = [(torch.rand((frames, 3, size, size), generator=g) *
               255).to(args.device) for _ in range(videos)]
    n = args.num_segments
    times = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    samples = []
    for i in range(videos):
        sample = ActionDataSample().set_gt_label(i % args.num_classes)
        sample.set_field(times.numpy(), 'segment_times')
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def autocast(args):
    if not args.amp:
        return contextlib.nullcontext()
    dtype = torch.float16 if args.device == 'cuda' else torch.bfloat16
    return torch.autocast(args.device, dtype=dtype)


def sync(args) -> None:
    if args.device == 'cuda':
        torch.cuda.synchronize()


def timed(fn: Callable, args) -> float:
    sync(args)
    start = time.perf_counter()
    fn()
    sync(args)
    return time.perf_counter() - start


def make_steps(name: str, args) -> Dict[str, Callable]:
    """Closures running one train iteration, one test video, one head pass."""
    model = build_model(name, args)
    optim = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    if args.amp and args.device == 'cuda':
        wrapper = AmpOptimWrapper(optimizer=optim, dtype='float16')
    else:
        # AmpOptimWrapper needs cuda; on cpu autocast(bf16) needs no scaler
        wrapper = OptimWrapper(optimizer=optim)
    n = args.num_segments
    train_batch = make_batch(args, args.batch_size, n, seed=0)
    test_frames = 25 * 10 if args.paper_test else n
    test_batch = make_batch(args, 1, test_frames, seed=1)
    head = model.cls_head
    s = feature_size(args.input_size)
    feats = torch.randn(
        args.batch_size * n, 512, s, s, device=args.device,
        requires_grad=True)
    head_samples = train_batch['data_samples']

    def train():
        model.train()
        with autocast(args):
            model.train_step(train_batch, wrapper)

    def test():
        model.eval()
        with torch.no_grad(), autocast(args):
            model.test_step(test_batch)

    def head_step():
        head.train()
        with autocast(args):
            losses = head.loss(feats, head_samples, num_segs=n)
        losses['loss_cls'].backward()
        head.zero_grad(set_to_none=True)
        feats.grad = None

    return dict(train=train, test=test, head=head_step)


def profile_train(steps: Dict[str, Dict[str, Callable]], args) -> str:
    """torch.profiler tables of one training iteration per model."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    sort = 'self_cpu_time_total'
    if args.device == 'cuda':
        activities.append(ProfilerActivity.CUDA)
        sort = 'self_cuda_time_total'
    out = []
    for name in args.models:
        steps[name]['train']()  # warm
        sync(args)
        with profile(activities=activities) as prof:
            timed(steps[name]['train'], args)
        out.append(f'--- profile of one training iteration: {LABELS[name]}')
        out.append(prof.key_averages().table(sort_by=sort, row_limit=15))
    return '\n'.join(out)


def benchmark(args) -> Dict[str, Dict[str, List[float]]]:
    steps = {name: make_steps(name, args) for name in args.models}
    times = {name: {k: [] for k in ('train', 'test', 'head')}
             for name in args.models}
    for kind in ('train', 'test', 'head'):
        for _ in range(args.warmup):
            for name in args.models:
                steps[name][kind]()
        for _ in range(args.repeats):
            for name in args.models:  # round-robin: A B C A B C ...
                times[name][kind].append(timed(steps[name][kind], args))
    if args.profile:
        print(profile_train(steps, args), flush=True)
    return times


def count_flops(args) -> Dict[str, int]:
    """FLOPs of one training iteration (forward + backward) per video at
    ``--flops-size`` px and N segments, counted by torch's FlopCounterMode
    (convolutions and matmuls): a machine-independent measure of the head's
    overhead, since FLOPs do not depend on the device."""
    from torch.utils.flop_counter import FlopCounterMode
    fargs = argparse.Namespace(**vars(args))
    fargs.input_size, fargs.batch_size = args.flops_size, 1
    fargs.amp = fargs.compile = False
    flops = {}
    for name in args.models:
        train = make_steps(name, fargs)['train']
        with FlopCounterMode(display=False) as counter:
            train()
        flops[name] = counter.get_total_flops()
    return flops


def format_flops(flops: Dict[str, int], args) -> str:
    base = flops['tsn']
    lines = [
        f'FLOPs per training iteration (forward + backward), 1 video x '
        f'{args.num_segments} segments x {args.flops_size}x{args.flops_size}'
        ' (device-independent):', ''
    ]
    for name in args.models:
        lines.append(f'  {LABELS[name]:<28} {flops[name] / 1e9:9.3f} GFLOP  '
                     f'{flops[name] / base:.4f} '
                     f'({100 * (flops[name] / base - 1):+.2f}%)')
    return '\n'.join(lines)


def format_table(times: Dict, args) -> str:
    med = {name: {k: statistics.median(v) for k, v in kinds.items()}
           for name, kinds in times.items()}
    test_desc = ('25 segments x 10 crops' if args.paper_test else
                 f'{args.num_segments} segments x 1 view')
    device = (torch.cuda.get_device_name() if args.device == 'cuda' else
              f'cpu, {torch.get_num_threads()} threads')
    lines = [
        f'Overhead of DATP: {device}, train batch {args.batch_size} videos x '
        f'{args.num_segments} segments x {args.input_size}x'
        f'{args.input_size}, test {test_desc} per video, '
        f'{args.num_classes} classes, amp={"on" if args.amp else "off"}, '
        f'compile={"on" if args.compile else "off"}, median of '
        f'{args.repeats} interleaved repeats after {args.warmup} warm-up',
        '',
        '| model | train iter (ms) | ratio | test video (ms) | ratio '
        '| head fwd+bwd (ms) | ratio |',
        '|---|---:|---:|---:|---:|---:|---:|',
    ]
    base = med['tsn']
    for name in args.models:
        row = [LABELS[name]]
        for kind in ('train', 'test', 'head'):
            row += [f'{1000 * med[name][kind]:.1f}',
                    f'{med[name][kind] / base[kind]:.3f}']
        lines.append('| ' + ' | '.join(row) + ' |')
    lines.append('')
    for name in args.models[1:]:
        ratio = med[name]['train'] / base['train']
        lines.append(f'{LABELS[name]} / TSN train-iteration ratio: '
                     f'{ratio:.3f} ({100 * (ratio - 1):+.1f}%)')
    for name in args.models:
        if name.endswith(FUSED):
            unfused = name[:-len(FUSED)]
            ratios = ', '.join(
                f'{kind} {med[name][kind] / med[unfused][kind]:.3f}'
                for kind in ('train', 'test', 'head'))
            lines.append(f'fused / unfused ({LABELS[unfused]}): {ratios}')
    lines.append('paper (K=1 softmax scores, 2 Titan Xp): 0.83 / 0.75 s '
                 'per batch = 1.107 (+10.7%)')
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmaction')
    # keep the table readable: no per-parameter init messages
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    torch.manual_seed(0)
    if args.flops_size:
        print(format_flops(count_flops(args), args) + '\n', flush=True)
    times = benchmark(args)
    print(format_table(times, args))


if __name__ == '__main__':
    main()
