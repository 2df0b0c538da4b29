"""Retrain the DATP conv K=2 model (or the uniform-weights control) of a
tools/reproduce.py work dir with the aux net's lr_mult, the generator or
the number of fine-tuning epochs changed, from the same TSN, and test it
(N=5).

The experiment behind this record (not a tool of the package):
    python docs/benchmarks/real_ucf101_9_2026-12-06/k2_aux_lr/variant.py \
        DATA/ucf101_9 W OUT --aux-lr-mult 1
W is the work dir of `tools/reproduce.py DATA/ucf101_9 --dataset ucf101
--split 1 --scale cpu` after its RGB seed has trained; OUT gets the model,
its generator trace and result.json.
"""
import argparse
import json
import os.path as osp

import mmdatp  # noqa: F401
from mmdatp.apis import build_runner, setup_test_cfg, setup_train_cfg
from mmdatp.reproduce.configs import set_schedule
from mmdatp.reproduce.stages import Options, _ckpt, prepare

parser = argparse.ArgumentParser()
parser.add_argument('data_root')
parser.add_argument('work_dir')
parser.add_argument('out')
parser.add_argument('--seed', type=int, default=0)
parser.add_argument('--aux-lr-mult', type=float, default=10)
parser.add_argument('--model', default='ft_conv_k2',
                    choices=['ft_conv_k2', 'ft_uniform'],
                    help='the fine-tuned model of the work dir to retrain')
parser.add_argument('--epochs', type=int, default=None,
                    help='fine-tuning epochs (default: the scale\'s), with '
                    'the scale\'s optimiser and cosine schedule over them')
parser.add_argument('--share-scaled-grad', action='store_true',
                    help='MoGWeightGenerator(share_scaled_grad=True)')
parser.add_argument('--warmup-ratio', type=float, default=None,
                    help='AuxWarmupHook(ratio=...) for the first share of '
                    'the fine-tuning')
args = parser.parse_args()
ctx = prepare(Options(args.data_root, 'ucf101', args.work_dir,
                      streams=['rgb'], first_seed=args.seed),
              probe_imagenet=False)
cfg = _ckpt(ctx, 'rgb', args.seed, args.model)[0]
tsn = _ckpt(ctx, 'rgb', args.seed, 'tsn')[2]
if args.epochs is not None:
    set_schedule(cfg, args.epochs, ctx.scale.lr, adamw=ctx.scale.adamw)
if args.model != 'ft_conv_k2':  # no aux net, no generator: not applied
    args.aux_lr_mult = args.share_scaled_grad = None
else:
    cfg.optim_wrapper.paramwise_cfg.custom_keys['cls_head.aux_net'] = dict(
        lr_mult=args.aux_lr_mult)
    cfg.model.cls_head.weight_generator.share_scaled_grad = \
        args.share_scaled_grad
ckpt = osp.join(args.out, f'epoch_{cfg.train_cfg.max_epochs}.pth')
test_cfg = cfg.copy()
if not osp.isfile(ckpt):
    cfg.custom_hooks = [dict(type='InitFromTSNHook', checkpoint=tsn),
                        dict(type='GeneratorTraceHook')]
    if args.warmup_ratio is not None:
        cfg.custom_hooks.append(
            dict(type='AuxWarmupHook', ratio=args.warmup_ratio))
    setup_train_cfg(cfg, work_dir=args.out, seed=args.seed, no_validate=True)
    build_runner(cfg).train()
setup_test_cfg(test_cfg, ckpt, work_dir=osp.join(args.out, 'test'))
top1 = float(build_runner(test_cfg).test()['acc/top1'])
print(f'{args.model}, {cfg.train_cfg.max_epochs} epochs, aux lr_mult '
      f'{args.aux_lr_mult}, warm-up '
      f'{args.warmup_ratio}, share_scaled_grad {args.share_scaled_grad}: '
      f'{100 * top1:.1f}%')
with open(osp.join(args.out, 'result.json'), 'w') as f:
    json.dump(dict(seed=args.seed, model=args.model,
                   epochs=cfg.train_cfg.max_epochs,
                   aux_lr_mult=args.aux_lr_mult,
                   warmup_ratio=args.warmup_ratio,
                   share_scaled_grad=args.share_scaled_grad, top1=top1), f)
