"""ember.onnx.load runs models exported by real PyTorch (legacy exporter, dynamo=False), and the
unsupported-op error names the op and the module path."""
import io
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402


def _torch_export(model, args, names, dyn, opset=17):
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), args, f, input_names=names, dynamic_axes=dyn,
                          opset_version=opset, dynamo=False)
    return f.getvalue()


def _compare(model, make, names, dyn, sizes=(2, 3), opset=17, atol=1e-4):
    torch.manual_seed(0)
    data = _torch_export(model, tuple(torch.from_numpy(a) for a in make(sizes[0])), names, dyn,
                         opset)
    sess = ember.onnx.load(data)
    for n in sizes:
        arrays = make(n)
        with torch.no_grad():
            ref = model(*(torch.from_numpy(a) for a in arrays))
        refs = [ref] if isinstance(ref, torch.Tensor) else [r for r in ref if r is not None]
        got = sess.run(None, dict(zip(names, arrays)))
        for g, r in zip(got, refs):
            if isinstance(r, tuple):
                continue
            np.testing.assert_allclose(g, r.numpy(), rtol=1e-4, atol=atol)
    return sess


def _rand(*shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


def test_torch_seed_cnn():
    tnn = torch.nn
    m = tnn.Sequential(tnn.Conv2d(1, 32, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(32, 64, 3),
                       tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(1600, 128),
                       tnn.ReLU(), tnn.Linear(128, 10))
    sess = _compare(m, lambda n: [_rand(n, 1, 28, 28)], ["x"], {"x": {0: "b"}})
    out = sess(ember.tensor(_rand(2, 1, 28, 28)))
    assert isinstance(out, ember.Tensor) and tuple(out.shape) == (2, 10)


def test_torch_norms_activations_pools():
    tnn = torch.nn
    m = tnn.Sequential(tnn.Conv2d(3, 8, 3, padding=1, stride=2), tnn.BatchNorm2d(8),
                       tnn.LeakyReLU(0.2), tnn.AvgPool2d(2), tnn.Conv2d(8, 8, 3, groups=2),
                       tnn.ELU(), tnn.AdaptiveAvgPool2d(1), tnn.Flatten(), tnn.LayerNorm(8),
                       tnn.GELU(), tnn.Linear(8, 6), tnn.Hardswish(), tnn.SELU(),
                       tnn.Softplus(), tnn.Dropout(), tnn.Linear(6, 3), tnn.LogSoftmax(-1))
    with torch.no_grad():
        m[1].running_mean.uniform_(-0.2, 0.2)
        m[1].running_var.uniform_(0.5, 1.5)
    _compare(m, lambda n: [_rand(n, 3, 16, 16)], ["x"], {"x": {0: "b"}})


def test_torch_dcgan_generator():
    tnn = torch.nn
    m = tnn.Sequential(tnn.ConvTranspose2d(16, 16, 4, 1, 0, bias=False), tnn.BatchNorm2d(16),
                       tnn.ReLU(True), tnn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False),
                       tnn.BatchNorm2d(8), tnn.ReLU(True), tnn.ConvTranspose2d(8, 1, 4, 2, 1),
                       tnn.Tanh())
    _compare(m, lambda n: [_rand(n, 16, 1, 1)], ["z"], {"z": {0: "b"}})


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
def test_torch_recurrent(cell):
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, cell)(5, 6, num_layers=2, batch_first=True,
                                               bidirectional=True)
            self.fc = torch.nn.Linear(12, 3)

        def forward(self, x):
            return self.fc(self.rnn(x)[0][:, -1])

    _compare(M(), lambda n: [_rand(n, 4, 5)], ["x"], {"x": {0: "b"}})


def test_torch_transformer_encoder():
    tnn = torch.nn

    class M(tnn.Module):
        def __init__(self):
            super().__init__()
            self.emb = tnn.Embedding(30, 16)
            self.enc = tnn.TransformerEncoder(
                tnn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2,
                enable_nested_tensor=False)

        def forward(self, t):
            return self.enc(self.emb(t)).mean(1)

    rng = np.random.default_rng(0)
    _compare(M(), lambda n: [rng.integers(0, 30, (n, 5)).astype(np.int64)], ["t"],
             {"t": {0: "b"}}, atol=1e-4)


def test_torch_multihead_attention_and_lstm_with_state():
    mha = torch.nn.MultiheadAttention(16, 4)
    sess = _compare(mha, lambda n: [_rand(5, n, 16)] * 3, ["q", "k", "v"],
                    {k: {1: "b"} for k in "qkv"})
    assert len(sess.get_outputs()) == 2

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(4, 5, 2)

        def forward(self, x, h, c):
            y, (hn, cn) = self.lstm(x, (h, c))
            return y, hn, cn

    _compare(M(), lambda n: [_rand(3, n, 4), _rand(2, n, 5) * 0.5, _rand(2, n, 5) * 0.1],
             ["x", "h", "c"], {k: {1: "b"} for k in "xhc"})


def test_ember_runs_its_own_export_with_numpy_and_tensors():
    ember.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    f = io.BytesIO()
    ember.onnx.export(m, ember.randn(2, 4), f, input_names=["x"], output_names=["y"])
    sess = ember.onnx.load(f.getvalue())
    assert [i.name for i in sess.get_inputs()] == ["x"]
    x = ember.randn(2, 4)
    np.testing.assert_allclose(sess(x).numpy(), m(x).detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(sess.run(["y"], {"x": x.numpy()})[0], m(x).detach().numpy(),
                               atol=1e-6)


class _Cube(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class _Odd(nn.Module):
    def forward(self, x):
        return _Cube.apply(x)


def test_unsupported_op_names_op_and_module_path():
    m = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), _Odd()))
    with pytest.raises(ember.onnx.UnsupportedOperatorError) as e:
        ember.onnx.export(m, ember.randn(2, 4), io.BytesIO())
    msg = str(e.value)
    assert "_Cube" in msg and "'1.1'" in msg and "_Odd" in msg
    assert e.value.op == "_Cube" and e.value.module_path == "1.1"


def test_value_computed_outside_traced_ops_is_refused():
    class M(nn.Module):
        def forward(self, x):
            return x + ember.tensor(x.detach().numpy().argsort(1).astype("float32"))

    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="outside ember's traced"):
        ember.onnx.export(M(), ember.randn(2, 5), io.BytesIO())


TORCH_LAYERS = {
    "upsample": (lambda t: t.Sequential(t.Upsample(scale_factor=2),
                                        t.Upsample(scale_factor=2, mode="bilinear")),
                 (2, 3, 4, 4)),
    "instance_group_norm": (lambda t: t.Sequential(t.InstanceNorm2d(3, affine=True),
                                                   t.GroupNorm(1, 3)), (2, 3, 5, 5)),
    "pads": (lambda t: t.Sequential(t.ZeroPad2d(1), t.ReflectionPad2d(1),
                                    t.ReplicationPad2d(1)), (2, 3, 5, 5)),
    "pixel_shuffle": (lambda t: t.PixelShuffle(2), (2, 8, 3, 3)),
    "activations": (lambda t: t.Sequential(t.Tanhshrink(), t.Softsign(), t.LogSigmoid(),
                                           t.Mish(), t.SiLU(), t.Hardsigmoid(), t.Hardtanh(),
                                           t.ReLU6(), t.CELU(), t.PReLU(),
                                           t.GELU(approximate="tanh"), t.Softmin(1)),
                    (2, 3, 4)),
    "adaptive_pools": (lambda t: t.Sequential(t.AdaptiveAvgPool2d((2, 3)),
                                              t.AdaptiveMaxPool2d(1)), (2, 3, 8, 9)),
    "pool_options": (lambda t: t.Sequential(t.Conv1d(3, 4, 3, padding=1, dilation=2),
                                            t.BatchNorm1d(4), t.MaxPool1d(2, ceil_mode=True),
                                            t.AvgPool1d(2, ceil_mode=True,
                                                        count_include_pad=False)),
                     (2, 3, 17)),
}


@pytest.mark.parametrize("opset", [17, 20])
@pytest.mark.parametrize("name", sorted(TORCH_LAYERS))
def test_torch_layers(name, opset):
    build, shape = TORCH_LAYERS[name]
    torch.manual_seed(0)
    _compare(build(torch.nn), lambda n: [_rand(n, *shape[1:])], ["x"], {"x": {0: "b"}},
             opset=opset)


def test_session_checks_its_inputs():
    m = nn.Sequential(nn.Linear(4, 3))
    f = io.BytesIO()
    ember.onnx.export(m, ember.randn(2, 4), f, input_names=["x"], dynamic_axes={"x": [0]})
    sess = ember.onnx.load(f.getvalue())
    assert sess.get_inputs()[0].shape[1] == 4 and sess.get_inputs()[0].type == "tensor(float)"
    with pytest.raises(ValueError, match="missing input 'x'"):
        sess.run(None, {})
    with pytest.raises(ValueError, match="dtype float64, expected float32"):
        sess.run(None, {"x": np.zeros((2, 4))})
    with pytest.raises(ValueError, match=r"shape \[2, 5\], expected"):
        sess.run(None, {"x": np.zeros((2, 5), np.float32)})
    assert sess.run(None, {"x": np.zeros((7, 4), np.float32)})[0].shape == (7, 3)
