import copy
import pickle

import numpy as np
import pytest
import torch
from helpers import assert_close
from layer_check import load_from_torch

import ember
from ember import nn


def _classes(lib, tag):
    """The same small model in either framework (buffers persistent and not, nesting, tying)."""
    L = lib.nn

    class Block(L.Module):
        def __init__(self):
            super().__init__()
            self.fc = L.Linear(4, 4)
            self.act = L.ReLU()
            self.register_buffer("running", lib.zeros(4))
            self.register_buffer("scratch", lib.ones(2), persistent=False)
            self.register_buffer("count", lib.tensor(0))

        def forward(self, x):
            return self.act(self.fc(x)) + self.running

    class Net(L.Module):
        def __init__(self):
            super().__init__()
            self.enc = L.Linear(3, 4)
            self.blocks = L.Sequential(Block(), Block())
            self.dec = L.Linear(4, 3)
            self.head = L.Linear(4, 3)
            self.head.weight = self.dec.weight  # tied
            self.scale = L.Parameter(lib.ones(1))
            self.empty = None

        def forward(self, x):
            h = self.blocks(self.enc(x))
            return (self.dec(h) + self.head(h)) * self.scale

    # module-level names, so the classes pickle
    for cls in (Block, Net):
        cls.__qualname__ = tag + cls.__name__
        globals()[cls.__qualname__] = cls
    return Net


_NETS = {"ember": _classes(ember, "ember"), "torch": _classes(torch, "torch")}


def build(lib):
    return _NETS[lib.__name__]()


def test_registry_names_match_torch():
    e, t = build(ember), build(torch)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert [n for n, _ in e.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.children())) == len(list(t.children()))
    assert len(list(e.modules())) == len(list(t.modules()))
    assert "scratch" not in "".join(e.state_dict())


def test_tied_weight_listed_once_and_shared_after_load():
    e, t = build(ember), build(torch)
    load_from_torch(e, t)
    assert e.head.weight is e.dec.weight
    x = np.random.randn(2, 3).astype(np.float32)
    xe, xt = ember.tensor(x), torch.tensor(x)
    e(xe).sum().backward()
    t(xt).sum().backward()
    assert_close(e(xe), t(xt), 1e-5, 1e-5)
    for (_, pe), (_, pt) in zip(e.named_parameters(), t.named_parameters()):
        assert_close(pe.grad, pt.grad, 1e-4, 1e-5)


def test_state_dict_prefix_keep_vars_and_values():
    e = build(ember)
    sd = e.state_dict(prefix="model.")
    assert all(k.startswith("model.") for k in sd)
    assert sd["model.enc.weight"].grad_fn is None and not sd["model.enc.weight"].requires_grad
    kv = e.state_dict(keep_vars=True)
    assert kv["enc.weight"] is e.enc.weight
    assert kv["blocks.0.count"].dtype == ember.int64


def test_load_state_dict_missing_unexpected_and_strict():
    e, t = build(ember), build(torch)
    sd_t = t.state_dict()
    del sd_t["enc.bias"]
    sd_t["foo"] = torch.ones(1)
    sd_t["blocks.0.fc.weight.extra"] = torch.ones(1)
    sd_e = {k: ember.tensor(v.numpy()) for k, v in sd_t.items()}
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict(sd_t)
    with pytest.raises(RuntimeError) as ee:
        e.load_state_dict(sd_e)
    assert str(ee.value) == str(te.value)
    rt = t.load_state_dict(sd_t, strict=False)
    re = e.load_state_dict(sd_e, strict=False)
    assert re.missing_keys == rt.missing_keys and re.unexpected_keys == rt.unexpected_keys
    assert repr(e.load_state_dict(e.state_dict())) == "<All keys matched successfully>"


def test_load_state_dict_size_mismatch_lists_every_key():
    t_small = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    t_big = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    e_small = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    with pytest.raises(RuntimeError) as te:
        t_small.load_state_dict(t_big.state_dict())
    with pytest.raises(RuntimeError) as ee:
        e_small.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_big.state_dict().items()})
    # same message, with ember's Size in place of torch's
    assert str(ee.value) == str(te.value).replace("torch.Size", "ember.Size")
    assert str(ee.value).count("size mismatch") == 3


def test_load_state_dict_accepts_numpy_and_assign():
    e = nn.Linear(2, 3)
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    e.load_state_dict({"weight": w, "bias": np.zeros(3, np.float32)})
    np.testing.assert_array_equal(e.weight.detach().numpy(), w)
    new_w = ember.ones(3, 2)
    old = e.weight
    e.load_state_dict({"weight": new_w, "bias": ember.zeros(3)}, assign=True)
    assert e.weight is not old and isinstance(e.weight, nn.Parameter) and e.weight.requires_grad
    # copying keeps the parameter object (what optimizers hold)
    p = e.weight
    e.load_state_dict({"weight": ember.zeros(3, 2), "bias": ember.zeros(3)})
    assert e.weight is p and float(p.detach().numpy().sum()) == 0


def test_setattr_registry_rules():
    m = nn.Module()
    m.w = nn.Parameter(ember.ones(2))
    m.b = nn.Buffer(ember.ones(1), persistent=False)
    m.sub = nn.Linear(1, 1)
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m._buffers) == ["b"] and m.state_dict().keys() == {"w", "sub.weight", "sub.bias"}
    with pytest.raises(TypeError, match="cannot assign 'ember.Tensor'|cannot assign 'Tensor'"):
        m.w = ember.ones(2)
    m.w = None
    assert m.w is None and "w" in m._parameters
    with pytest.raises(TypeError):
        m.sub = 3
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        m.plain = 1
        m.register_buffer("plain", ember.ones(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        _ = m.nope
    del m.sub
    assert "sub" not in m._modules
    # re-assigning a parameter keeps its place in the order (as torch)
    e, t = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    e.weight = nn.Parameter(ember.ones(2, 2))
    t.weight = torch.nn.Parameter(torch.ones(2, 2))
    assert list(e.state_dict()) == list(t.state_dict())


def test_submodule_parameter_buffer_getters():
    e = build(ember)
    assert e.get_submodule("blocks.1.fc") is e.blocks[1].fc
    assert e.get_submodule("") is e
    assert e.get_parameter("blocks.0.fc.bias") is e.blocks[0].fc.bias
    assert e.get_buffer("blocks.1.running") is e.blocks[1].running
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        e.get_submodule("blocks.nope")
    m = nn.Module()
    m.register_module("x", nn.ReLU())
    m.add_module("y", nn.Tanh())
    assert list(m._modules) == ["x", "y"]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("z", 3)


def test_train_eval_apply_requires_grad_zero_grad():
    e = build(ember)
    assert e.training and all(m.training for m in e.modules())
    assert e.eval() is e and not any(m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        e.train("yes")
    seen = []
    assert e.apply(lambda m: seen.append(type(m).__name__)) is e
    assert seen[-1] == "Net" and seen[0] == "Linear"
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())
    e.requires_grad_()
    e(ember.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in e.parameters())
    e.zero_grad(set_to_none=False)
    assert all(float(np.abs(p.grad.numpy()).sum()) == 0 for p in e.parameters())
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())


def test_dtype_and_device_conversion():
    e = build(ember)
    ids = [id(p) for p in e.parameters()]
    assert e.double() is e
    assert all(p.dtype == ember.float64 for p in e.parameters())
    assert e.blocks[0].count.dtype == ember.int64  # integer buffers are not cast
    assert e.blocks[0].running.dtype == ember.float64
    e.float()
    assert all(p.dtype == ember.float32 for p in e.parameters())
    e.half()
    assert e.enc.weight.dtype == ember.float16
    e.to(ember.float32)
    e.to("cpu")
    e.to(device="cpu", dtype=ember.float64)
    assert e.enc.weight.dtype == ember.float64
    e.to(ember.ones(1))
    assert e.enc.weight.dtype == ember.float32 and e.cpu() is e and e.share_memory() is e
    assert [id(p) for p in e.parameters()] == ids  # parameter identity kept
    assert e.head.weight is e.dec.weight
    with pytest.raises(TypeError, match="only accepts floating point"):
        e.to(ember.int32)


def test_pickle_and_deepcopy_keep_structure_and_ties():
    e = build(ember)
    x = ember.ones(2, 3)
    ref = e(x).detach().numpy()
    for clone in (pickle.loads(pickle.dumps(e)), copy.deepcopy(e)):
        assert clone.head.weight is clone.dec.weight
        assert clone.enc.weight is not e.enc.weight
        np.testing.assert_allclose(clone(x).detach().numpy(), ref)
        assert repr(clone) == repr(e)
        assert [n for n, _ in clone.named_buffers()] == [n for n, _ in e.named_buffers()]


def test_repr_nested_tree_matches_torch():
    e, t = build(ember), build(torch)
    assert repr(e) == repr(t)
    e2 = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)),
                       nn.ModuleList([nn.Tanh(), nn.Tanh(), nn.Linear(3, 3)]),
                       nn.ModuleDict({"a": nn.GELU("tanh")}))
    t2 = torch.nn.Sequential(torch.nn.Linear(2, 3),
                             torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Dropout(0.1)),
                             torch.nn.ModuleList([torch.nn.Tanh(), torch.nn.Tanh(),
                                                  torch.nn.Linear(3, 3)]),
                             torch.nn.ModuleDict({"a": torch.nn.GELU("tanh")}))
    assert repr(e2) == repr(t2)


def test_forward_hooks():
    e = nn.Linear(3, 2)
    calls = []
    h1 = e.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    h2 = e.register_forward_hook(lambda m, args, out: calls.append(tuple(out.shape)) or out + 1)
    x = ember.ones(4, 3)
    y = e(x)
    base = e.forward(x * 2) + 1
    np.testing.assert_allclose(y.detach().numpy(), base.detach().numpy())
    assert calls == [(4, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(e(x).detach().numpy(), e.forward(x).detach().numpy())
    # kwargs hooks
    e.register_forward_pre_hook(lambda m, args, kwargs: (args, kwargs), with_kwargs=True)
    e.register_forward_hook(lambda m, args, kwargs, out: out * 0, with_kwargs=True)
    assert float(e(x).detach().numpy().sum()) == 0


def _backward_hook_record(lib, x_requires_grad):
    m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh())
    rec = []
    m[0].register_full_backward_hook(
        lambda mod, gi, go: rec.append(("lin", gi, go)))
    m[1].register_full_backward_hook(
        lambda mod, gi, go: rec.append(("tanh", gi, go)))
    x = lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3),
                   requires_grad=x_requires_grad)
    return m, x, rec


@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_full_backward_hook_grads_match_torch(x_requires_grad):
    me, xe, re_ = _backward_hook_record(ember, x_requires_grad)
    mt, xt, rt = _backward_hook_record(torch, x_requires_grad)
    load_from_torch(me, mt)
    w = np.random.randn(2, 4).astype(np.float32)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (me(xe) * ember.tensor(w)).sum().backward()
        (mt(xt) * torch.tensor(w)).sum().backward()
    assert [r[0] for r in re_] == [r[0] for r in rt]
    for (_, gie, goe), (_, git, got) in zip(re_, rt):
        assert len(gie) == len(git) and len(goe) == len(got)
        for a, b in zip(gie + goe, git + got):
            if b is None:
                assert a is None
            else:
                assert_close(a, b, 1e-5, 1e-6)


def test_full_backward_hook_can_replace_grad_input_and_pre_hook():
    m = nn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0,))
    x = ember.ones(1, 2, requires_grad=True)
    m(x).sum().backward()
    assert float(np.abs(x.grad.numpy()).sum()) == 0
    m2 = nn.Linear(2, 2)
    m2.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
    x2 = ember.ones(1, 2, requires_grad=True)
    m2(x2).sum().backward()
    assert float(np.abs(x2.grad.numpy()).sum()) == 0
    assert float(np.abs(m2.weight.grad.numpy()).sum()) == 0


def test_parameter_class_and_repr():
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(tp).replace("torch", "ember")
    assert repr(p).startswith("Parameter containing:\n")
    assert not nn.Parameter(ember.ones(1), requires_grad=False).requires_grad
    q = pickle.loads(pickle.dumps(p))
    assert isinstance(q, nn.Parameter) and q.requires_grad
    r = copy.deepcopy(p)
    assert isinstance(r, nn.Parameter) and r is not p


def test_extra_state_and_missing_forward():
    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.v = 1

        def get_extra_state(self):
            return {"v": self.v}

        def set_extra_state(self, state):
            self.v = state["v"]

    a = WithState()
    a.v = 5
    b = WithState()
    b.load_state_dict(a.state_dict())
    assert b.v == 5
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


_MY_CLASSES = [
    "Identity", "Linear", "Bilinear", "LazyLinear", "Flatten", "Unflatten", "Dropout",
    "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "Embedding",
    "EmbeddingBag", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh", "SiLU",
    "Mish", "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU", "Hardshrink", "LeakyReLU",
    "LogSigmoid", "Softplus", "Softshrink", "PReLU", "Softsign", "Tanhshrink", "Softmin",
    "Softmax", "Softmax2d", "LogSoftmax", "Module",
]


def _params_of(fn):
    import inspect

    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", _MY_CLASSES)
def test_class_path_and_constructor_signature_match_torch(name):
    e, t = getattr(nn, name), getattr(torch.nn, name)
    assert e.__module__.replace("ember", "torch") == t.__module__
    assert _params_of(e.__init__) == _params_of(t.__init__)


def test_functional_and_init_signatures_match_torch():
    import torch.nn.functional as tF

    import ember.nn.functional as F
    from ember.nn import init
    from ember.nn._functional import activation, dropout, linear, sparse

    compared = 0
    for mod in (activation, linear, dropout, sparse):
        for name in mod.__all__:
            try:
                ref = _params_of(getattr(tF, name))
            except (ValueError, TypeError):  # C builtins without a signature
                continue
            assert _params_of(getattr(F, name)) == ref, name
            compared += 1
    for name in init.__all__:
        assert _params_of(getattr(init, name)) == _params_of(getattr(torch.nn.init, name)), name
        compared += 1
    assert compared > 40


def _hook_log(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    log = []
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(("pre", prefix)))
    m[0].register_state_dict_post_hook(
        lambda mod, sd, prefix, meta: log.append(("post", prefix, sorted(sd), meta["version"])))
    m.register_load_state_dict_pre_hook(
        lambda mod, sd, prefix, meta, strict, miss, unexp, errs: log.append(("lpre", prefix)))

    def post(mod, keys):
        log.append(("lpost", list(keys.missing_keys), list(keys.unexpected_keys)))
        keys.unexpected_keys.clear()

    m.register_load_state_dict_post_hook(post)
    sd = m.state_dict()
    sd["extra"] = sd["0.weight"]
    res = m.load_state_dict(sd)  # the post hook clears the unexpected key
    return log, list(res.unexpected_keys)


def test_state_dict_hooks_match_torch():
    assert _hook_log(ember) == _hook_log(torch)


def test_set_submodule():
    e = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    e.set_submodule("1.0", nn.Tanh())
    assert isinstance(e[1][0], nn.Tanh)
    with pytest.raises(AttributeError):
        e.set_submodule("1.nope", nn.Tanh(), strict=True)
