"""The video benchmark with one more model: DATP conv K=2 fine-tuned from
the uniform-weights model (itself fine-tuned from the TSN with the mixture
loss on averaged softmax) instead of from the mean-logits TSN.

The experiment behind from_uniform.md (not a tool of the package); the
arguments are key_action_benchmark.py's, e.g.
    python docs/benchmarks/k2_recipe_2026-12-06/from_uniform.py \
        --task position --seeds 1 --first-seed 1 --out OUT \
        --models ft_uniform ft_conv_k2_from_uniform
"""
import importlib.util
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
spec = importlib.util.spec_from_file_location(
    'key_action_benchmark',
    osp.join(REPO, 'tools', 'benchmark', 'key_action_benchmark.py'))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

NAME = 'ft_conv_k2_from_uniform'
bench.MODELS_TO_TRAIN[NAME] = (dict(), 'ft_uniform')
bench.ROWS.append(('DATP conv features, K=2, from the uniform model', NAME,
                   'datp', None))
bench.main()
