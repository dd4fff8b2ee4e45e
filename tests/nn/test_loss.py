"""Losses: values and input gradients against PyTorch, every reduction."""
import numpy as np
import pytest
import torch
from helpers import assert_close, check_grad

import ember

RED = ["none", "mean", "sum"]
rng = np.random.default_rng(0)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _run(name, args, kwargs=None, grad_idx=(0,), rtol=1e-5, atol=1e-6):
    """Call F.<name> in both frameworks on the same arrays; compare value and grads."""
    kwargs = kwargs or {}
    e_args, t_args = [], []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            rg = i in grad_idx and a.dtype.kind == "f"
            e_args.append(ember.tensor(a, requires_grad=rg))
            t_args.append(torch.tensor(a, requires_grad=rg))
        else:
            e_args.append(a)
            t_args.append(a)
    conv = {k: (ember.tensor(v), torch.tensor(v)) if isinstance(v, np.ndarray) else (v, v)
            for k, v in kwargs.items()}
    out_e = getattr(ember.nn.functional, name)(*e_args, **{k: v[0] for k, v in conv.items()})
    out_t = getattr(torch.nn.functional, name)(*t_args, **{k: v[1] for k, v in conv.items()})
    assert_close(out_e, out_t, rtol, atol)
    w = rng.standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_e * ember.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for e, t in zip(e_args, t_args):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert_close(e.grad, t.grad, rtol * 10, atol * 10)


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                                  "soft_margin_loss"])
def test_regression_losses(name, reduction):
    x, y = f32(4, 3), f32(4, 3)
    grad_idx = (0, 1)
    if name == "soft_margin_loss":
        y, grad_idx = np.sign(y), (0,)  # torch: not differentiable w.r.t. the target
    _run(name, [x, y], {"reduction": reduction}, grad_idx=grad_idx)


def test_smooth_l1_beta_and_huber_delta():
    x, y = f32(10), f32(10)
    _run("smooth_l1_loss", [x, y], {"beta": 0.5}, grad_idx=(0, 1))
    _run("huber_loss", [x, y], {"delta": 0.3}, grad_idx=(0, 1))


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("ignored", ["none", "some", "all"])
def test_cross_entropy_ignored_rows(reduction, ignored):
    # the fused primitive's fast path (no weights, nothing ignored) and the weighted path;
    # every row ignored: mean is nan and the gradient zeros, as in PyTorch
    t = {"none": [0, 2, 1, 4], "some": [0, -100, 1, 4], "all": [-100] * 4}[ignored]
    _run("cross_entropy", [f32(4, 5), np.array(t)], {"reduction": reduction})


@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_indices(reduction):
    _run("cross_entropy", [f32(6, 5), rng.integers(0, 5, 6)], {"reduction": reduction})


@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_weight_ignore_index_spatial(reduction):
    t = rng.integers(0, 4, (2, 3, 3))
    t[0, 0, 0] = -100
    w = np.abs(f32(4)) + 0.1
    _run("cross_entropy", [f32(2, 4, 3, 3), t], {"reduction": reduction, "weight": w})


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing(reduction, weighted):
    t = rng.integers(0, 5, 7)
    t[2] = -100
    kw = {"reduction": reduction, "label_smoothing": 0.1}
    if weighted:
        kw["weight"] = np.abs(f32(5)) + 0.1
    _run("cross_entropy", [f32(7, 5), t], kw)


@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_probabilities(reduction):
    p = np.abs(f32(4, 3))
    p = p / p.sum(1, keepdims=True)
    _run("cross_entropy", [f32(4, 3), p], {"reduction": reduction, "label_smoothing": 0.05},
         grad_idx=(0, 1))


def test_cross_entropy_unbatched():
    _run("cross_entropy", [f32(5), np.array(3)])


@pytest.mark.parametrize("reduction", RED)
def test_nll_loss(reduction):
    t = rng.integers(0, 5, 6)
    t[1] = 2
    _run("nll_loss", [f32(6, 5), t], {"reduction": reduction, "ignore_index": 2,
                                       "weight": np.abs(f32(5)) + 0.1})


def test_cross_entropy_errors():
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        ember.nn.functional.cross_entropy(ember.randn(2, 5), ember.tensor([1, 7]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target "
                                         r"batch_size \(3\)"):
        ember.nn.functional.cross_entropy(ember.randn(2, 5), ember.tensor([1, 2, 3]))


@pytest.mark.parametrize("reduction", RED)
def test_bce(reduction):
    p = 1 / (1 + np.exp(-f32(4, 3)))
    y = (rng.random((4, 3)) > 0.5).astype(np.float32)
    _run("binary_cross_entropy", [p, y], {"reduction": reduction,
                                          "weight": np.abs(f32(4, 3))})


@pytest.mark.parametrize("reduction", RED)
def test_bce_with_logits(reduction):
    y = (rng.random((4, 3)) > 0.5).astype(np.float32)
    _run("binary_cross_entropy_with_logits", [f32(4, 3) * 10, y],
         {"reduction": reduction, "pos_weight": np.abs(f32(3)) + 0.5}, grad_idx=(0, 1))


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div(reduction, log_target):
    logq = np.log(np.abs(f32(3, 4)) + 0.1)
    p = np.abs(f32(3, 4)) + 0.01
    target = np.log(p) if log_target else p
    _run("kl_div", [logq, target], {"reduction": reduction, "log_target": log_target},
         grad_idx=(0, 1))


@pytest.mark.parametrize("reduction", RED)
def test_margin_losses(reduction):
    y = np.sign(f32(5))
    _run("margin_ranking_loss", [f32(5), f32(5), y], {"reduction": reduction, "margin": 0.2},
         grad_idx=(0, 1))
    _run("cosine_embedding_loss", [f32(5, 3), f32(5, 3), y],
         {"reduction": reduction, "margin": 0.1}, grad_idx=(0, 1))
    _run("hinge_embedding_loss", [f32(5), y], {"reduction": reduction})
    _run("triplet_margin_loss", [f32(5, 3), f32(5, 3), f32(5, 3)],
         {"reduction": reduction, "swap": True}, grad_idx=(0, 1, 2))


@pytest.mark.parametrize("reduction", RED)
def test_poisson_and_gaussian_nll(reduction):
    target = rng.poisson(3, (4, 3)).astype(np.float32) + 0.0
    _run("poisson_nll_loss", [f32(4, 3), target], {"reduction": reduction, "full": True})
    _run("poisson_nll_loss", [np.abs(f32(4, 3)), target],
         {"reduction": reduction, "log_input": False})
    _run("gaussian_nll_loss", [f32(4, 3), f32(4, 3), np.abs(f32(4, 3))],
         {"reduction": reduction, "full": True}, grad_idx=(0, 1, 2))


def test_multi_margin_and_multilabel_soft_margin():
    _run("multi_margin_loss", [f32(4, 5), rng.integers(0, 5, 4)], {"p": 2, "margin": 0.5})
    y = (rng.random((4, 5)) > 0.5).astype(np.float32)
    _run("multilabel_soft_margin_loss", [f32(4, 5), y])


def test_cross_entropy_gradcheck_and_double_backward():
    t = ember.tensor([0, 2, 1])
    check_grad(lambda x: ember.nn.functional.cross_entropy(x, t), rng.standard_normal((3, 4)))
    p = np.abs(rng.standard_normal((3, 4)))
    check_grad(lambda x: ember.nn.functional.binary_cross_entropy_with_logits(
        x, ember.tensor(p / p.max())), rng.standard_normal((3, 4)))


def test_loss_modules_match_functional():
    x, t = f32(4, 3), rng.integers(0, 3, 4)
    e = ember.nn.CrossEntropyLoss(label_smoothing=0.1)(ember.tensor(x), ember.tensor(t))
    tt = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(torch.tensor(x), torch.tensor(t))
    assert_close(e, tt)
    assert repr(ember.nn.MSELoss()) == "MSELoss()"
    assert type(ember.nn.CrossEntropyLoss()).__module__ == "ember.nn.modules.loss"


def _ctc_case():
    x = f32(7, 3, 5)
    targets = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]])
    return x, targets, np.array([7, 6, 5]), np.array([3, 2, 1])


@pytest.mark.parametrize("reduction", RED)
def test_ctc_loss_matches_torch(reduction):
    x, targets, il, tl = _ctc_case()
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le = ember.nn.CTCLoss(reduction=reduction)(ember.log_softmax(xe, 2), ember.tensor(targets),
                                               ember.tensor(il), ember.tensor(tl))
    lt = torch.nn.CTCLoss(reduction=reduction)(torch.log_softmax(xt, 2), torch.tensor(targets),
                                               torch.tensor(il), torch.tensor(tl))
    assert_close(le, lt, rtol=1e-5, atol=1e-5)
    le.sum().backward()
    lt.sum().backward()
    assert_close(xe.grad, xt.grad, rtol=1e-4, atol=1e-5)


def test_ctc_concatenated_targets_impossible_and_zero_infinity():
    x, targets, il, tl = _ctc_case()
    flat = np.array([1, 2, 2, 3, 1, 4])
    e = ember.nn.functional.ctc_loss(ember.log_softmax(ember.tensor(x), 2), ember.tensor(flat),
                                     il.tolist(), tl.tolist(), reduction="none")
    t = torch.nn.functional.ctc_loss(torch.log_softmax(torch.tensor(x), 2), torch.tensor(flat),
                                     il.tolist(), tl.tolist(), reduction="none")
    assert_close(e, t, rtol=1e-5, atol=1e-5)
    short = np.array([2, 6, 5])  # 2 frames cannot emit 3 labels with a repeat
    for zi in (False, True):
        xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        e = ember.nn.functional.ctc_loss(ember.log_softmax(xe, 2), ember.tensor(targets),
                                         ember.tensor(short), ember.tensor(tl),
                                         reduction="none", zero_infinity=zi)
        t = torch.nn.functional.ctc_loss(torch.log_softmax(xt, 2), torch.tensor(targets),
                                         torch.tensor(short), torch.tensor(tl),
                                         reduction="none", zero_infinity=zi)
        assert_close(e, t, rtol=1e-5, atol=1e-5)
        if zi:
            e.sum().backward()
            t.sum().backward()
            assert_close(xe.grad, xt.grad, rtol=1e-4, atol=1e-5)
