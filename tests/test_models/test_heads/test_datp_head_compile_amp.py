"""DATPHead under autocast (bf16 on CPU) and torch.compile."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

C, N, B, D = 6, 10, 4, 32


def build_head(aux='DATPConvAuxNet'):
    aux_net = dict(type=aux)
    if aux == 'DATPConvAuxNet':
        aux_net['spatial_size'] = 2
    head = MODELS.build(
        dict(
            type='DATPHead',
            num_classes=C,
            in_channels=D,
            num_segments=N,
            aux_net=aux_net,
            weight_generator=dict(type='MoGWeightGenerator', num_gaussians=2),
            dropout_ratio=0.0))
    head.init_weights()
    # move theta away from its initial value so the weights vary per video
    with torch.no_grad():
        head.aux_net.regressor.weight.normal_(0, 0.3)
        head.fc_cls.weight.normal_(0, 1.0)
    return head


def inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B * N, D, 2, 2, generator=g)
    samples = [ActionDataSample().set_gt_label(i % C) for i in range(B)]
    return x, samples


@pytest.mark.parametrize('aux', ['DATPConvAuxNet', 'DATPScoreAuxNet'])
def test_bf16_autocast_is_finite_and_close_to_fp32(aux):
    head = build_head(aux)
    x, samples = inputs()
    score32, d32 = head(x, N, return_details=True)
    loss32 = head.loss(x, samples, num_segs=N)['loss_cls']
    with torch.autocast('cpu', dtype=torch.bfloat16):
        score16, d16 = head(x, N, return_details=True)
        loss16 = head.loss(x, samples, num_segs=N)['loss_cls']
    assert torch.isfinite(score16).all() and torch.isfinite(loss16)
    assert torch.isfinite(d16['attention']).all()
    # bf16 keeps 8 bits of mantissa (relative step 2^-8 ~ 0.4%); the
    # backbone-side linear/conv layers run in bf16; the regressor (theta),
    # the weights generator and the pooling in fp32.
    # Measured (3 seeds, both aux nets): log-probabilities ~ -1.8 differ by
    # <= 0.014, attention weights by <= 7e-4. Tolerances are ~2-7x those,
    # well below the >= 0.13 that separates DATP from uniform weights here.
    torch.testing.assert_close(score16.float(), score32, atol=3e-2,
                               rtol=1e-2)
    torch.testing.assert_close(d16['attention'].float(), d32['attention'],
                               atol=5e-3, rtol=1e-2)
    assert abs(loss16.item() - loss32.item()) < 3e-2
    # the check has teeth: uniform weights (average pooling) are further
    uniform = torch.logsumexp(
        torch.log_softmax(head.fc_cls(x.mean((2, 3))), -1).view(B, N, C) -
        torch.log(torch.tensor(float(N))), 1)
    assert (uniform - score32).abs().max() > 0.1


def test_torch_compile_matches_eager_outputs_and_gradients():
    # backend 'aot_eager' traces forward and backward with AOTAutograd like
    # inductor does, without generating C++ (inductor needs a C compiler
    # and tens of seconds per graph on this CPU); the overhead benchmark
    # runs the default inductor backend with --compile.
    head = build_head()
    x, samples = inputs(1)
    x_eager = x.clone().requires_grad_(True)
    x_comp = x.clone().requires_grad_(True)

    out_eager = head(x_eager, N)
    out_eager.logsumexp(-1).sum().backward()
    grads_eager = {k: p.grad.clone() for k, p in head.named_parameters()}
    head.zero_grad()

    compiled = torch.compile(head, backend='aot_eager', fullgraph=True)
    out_comp = compiled(x_comp, N)
    out_comp.logsumexp(-1).sum().backward()
    torch.testing.assert_close(out_comp, out_eager)
    torch.testing.assert_close(x_comp.grad, x_eager.grad)
    for name, p in head.named_parameters():
        torch.testing.assert_close(p.grad, grads_eager[name], msg=name)
    # the aux regressor receives a gradient, i.e. DATP weights are traced
    assert grads_eager['aux_net.regressor.weight'].abs().sum() > 0


@pytest.mark.parametrize('aux', ['DATPConvAuxNet', 'DATPScoreAuxNet'])
def test_theta_weights_and_pooling_are_float32_under_autocast(aux):
    """bf16 regressor output read the paper's initial mu = 1/3 as 0.33398;
    theta, the generator and the pooling now run in float32."""
    head = build_head(aux)
    x, _ = inputs()
    with torch.no_grad():  # the initial regressor: theta = its bias
        head.aux_net.regressor.weight.zero_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        score16, d16 = head(x, N, return_details=True)
    for key in ('mu', 'sigma', 'rho', 'weights', 'attention', 'pooled_score'):
        assert d16[key].dtype == torch.float32, key
    assert score16.dtype == torch.float32
    # exactly the fp32 initial mixture, not its bf16 rounding (6.5e-4 off)
    mu0 = torch.tensor([[1 / 3, 2 / 3]]).expand(B, 2)
    torch.testing.assert_close(d16['mu'], mu0, atol=1e-6, rtol=0)
    torch.testing.assert_close(d16['sigma']**2, torch.full((B, 2), 0.2),
                               atol=1e-6, rtol=0)
    _, d32 = head(x, N, return_details=True)
    torch.testing.assert_close(d16['weights'], d32['weights'], atol=1e-6,
                               rtol=1e-6)
    # with regressed theta, it differs from fp32 only through the bf16
    # features that enter the regressor
    with torch.no_grad():
        head.aux_net.regressor.weight.normal_(0, 0.3)
    _, d32 = head(x, N, return_details=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        _, d16 = head(x, N, return_details=True)
    assert d16['mu'].dtype == torch.float32
    torch.testing.assert_close(d16['mu'], d32['mu'], atol=2e-2, rtol=0)
