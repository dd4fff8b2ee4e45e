"""ember.onnx.export: each model passes the ONNX checker, and onnxruntime (and ember's own
ONNX runtime) give ember's outputs for several batch sizes."""
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402


def _export(model, args, names, dyn, **kw):
    f = io.BytesIO()
    ember.onnx.export(model, args, f, input_names=names, dynamic_axes=dyn, **kw)
    data = f.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def _check(model, make_inputs, names, dyn, sizes=(2, 1, 5), atol=1e-4, **kw):
    """Export with inputs of the first size, then compare for every size."""
    model.eval()
    data = _export(model, tuple(ember.tensor(a) for a in make_inputs(sizes[0])), names, dyn,
                   **kw)
    sess = ort.InferenceSession(data)
    mine = ember.onnx.load(data)
    for n in sizes:
        arrays = make_inputs(n)
        with ember.no_grad():
            ref = model(*(ember.tensor(a) for a in arrays))
        refs = [t.numpy() for t in _flat(ref)]
        got = sess.run(None, dict(zip(names, arrays)))
        assert len(got) == len(refs)
        for g, r in zip(got, refs):
            assert g.shape == r.shape
            np.testing.assert_allclose(g, r, rtol=1e-4, atol=atol)
        for g, r in zip(mine.run(None, dict(zip(names, arrays))), refs):
            np.testing.assert_allclose(g, r, rtol=1e-4, atol=atol)
    return onnx.load_from_string(data)


def _flat(out):
    if isinstance(out, ember.Tensor):
        return [out]
    return [t for o in out if o is not None for t in _flat(o)]


def _rand(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape).astype(np.float32)


def _ops(proto):
    return [n.op_type for n in proto.graph.node]


BATCH = {"x": {0: "batch"}}


def test_seed_cnn():
    ember.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                      nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(),
                      nn.Linear(128, 10))
    p = _check(m, lambda n: [_rand(n, 1, 28, 28)], ["x"], BATCH)
    assert _ops(p)[:3] == ["Conv", "Relu", "MaxPool"] and "Gemm" in _ops(p)
    assert p.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_mlp_static_shape():
    ember.manual_seed(1)
    m = nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 16), nn.Sigmoid(),
                      nn.Linear(16, 3), nn.Softmax(-1))
    p = _check(m, lambda n: [_rand(n, 20)], ["x"], None, sizes=(4,))
    assert p.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 4


def test_lenet_avgpool_tanh():
    ember.manual_seed(2)
    m = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
                      nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2, 2), nn.Flatten(),
                      nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
                      nn.Linear(84, 10), nn.LogSoftmax(1))
    p = _check(m, lambda n: [_rand(n, 1, 28, 28)], ["x"], BATCH)
    assert "AveragePool" in _ops(p) and "LogSoftmax" in _ops(p)


def test_conv_options_and_pools():
    ember.manual_seed(3)
    m = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1, dilation=1),
                      nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4), nn.ReLU(),
                      nn.MaxPool2d(3, stride=2, padding=1), nn.AvgPool2d(2, ceil_mode=True),
                      nn.Conv1d(8, 8, 1) if False else nn.Identity(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
    p = _check(m, lambda n: [_rand(n, 4, 17, 15)], ["x"], BATCH)
    assert "GlobalAveragePool" in _ops(p)


def test_norms_dropout_activations():
    ember.manual_seed(4)
    m = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.GELU(), nn.Dropout(0.3),
                      nn.LayerNorm(16), nn.SiLU(), nn.Mish(), nn.ELU(), nn.SELU(),
                      nn.Softplus(), nn.Hardsigmoid(), nn.Hardswish(), nn.LeakyReLU(0.1),
                      nn.PReLU(), nn.ReLU6(), nn.Hardtanh(-0.5, 0.5), nn.CELU(0.7),
                      nn.Linear(16, 4))
    with ember.no_grad():  # non-trivial running statistics
        m[1].running_mean.copy_(ember.randn(16) * 0.1)
        m[1].running_var.copy_(ember.rand(16) + 0.5)
    p = _check(m, lambda n: [_rand(n, 8)], ["x"], BATCH)
    ops = _ops(p)
    for name in ("BatchNormalization", "LayerNormalization", "Erf", "Elu", "Selu",
                 "HardSigmoid", "HardSwish", "LeakyRelu", "PRelu", "Clip", "Celu"):
        assert name in ops, name
    assert "Dropout" not in ops


def test_gelu_opset20_and_batchnorm2d():
    ember.manual_seed(5)
    m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.GELU(), nn.Conv2d(4, 2, 1))
    p = _check(m, lambda n: [_rand(n, 3, 8, 8)], ["x"], BATCH, opset_version=20)
    assert "Gelu" in _ops(p)


def test_dcgan_generator():
    ember.manual_seed(6)
    m = ember.models.DCGANGenerator(nz=16, ngf=8, channels=1)
    p = _check(m, lambda n: [_rand(n, 16, 1, 1)], ["x"], BATCH)
    assert "ConvTranspose" in _ops(p)


def test_conv_transpose_options():
    ember.manual_seed(7)
    m = nn.Sequential(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1),
                      nn.ConvTranspose2d(6, 4, 3, stride=1, padding=2, dilation=2, groups=2))
    _check(m, lambda n: [_rand(n, 4, 5, 6)], ["x"], BATCH)


class _Classifier(nn.Module):
    def __init__(self, cell, bidirectional, batch_first):
        super().__init__()
        self.batch_first = batch_first
        self.rnn = getattr(nn, cell)(6, 8, num_layers=2, batch_first=batch_first,
                                     bidirectional=bidirectional)
        self.fc = nn.Linear(8 * (2 if bidirectional else 1), 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        last = out[:, -1] if self.batch_first else out[-1]
        return self.fc(last)


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional,batch_first", [(False, True), (True, False)])
def test_rnn_classifiers(cell, bidirectional, batch_first):
    ember.manual_seed(8)
    m = _Classifier(cell, bidirectional, batch_first)
    shape = (lambda n: (n, 7, 6)) if batch_first else (lambda n: (7, n, 6))
    p = _check(m, lambda n: [_rand(*shape(n))], ["x"], {"x": {0 if batch_first else 1: "b"}})
    assert _ops(p).count(cell) == 2


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
def test_recurrent_initial_state_all_outputs_dynamic_seq_and_batch(cell):
    ember.manual_seed(9)
    m = getattr(nn, cell)(5, 4, num_layers=2, bidirectional=True).eval()
    lstm = cell == "LSTM"
    names = ["x", "h0"] + (["c0"] if lstm else [])

    def mk(t, n):
        return [_rand(t, n, 5), _rand(4, n, 4, seed=1), _rand(4, n, 4, seed=2)][:len(names)]

    a = [ember.tensor(v) for v in mk(3, 2)]
    f = io.BytesIO()
    ember.onnx.export(m, (a[0], (a[1], a[2]) if lstm else a[1]), f, input_names=names,
                      dynamic_axes={"x": {0: "seq", 1: "b"}, "h0": {1: "b"}, "c0": {1: "b"}})
    onnx.checker.check_model(onnx.load_from_string(f.getvalue()), full_check=True)
    sess, mine = ort.InferenceSession(f.getvalue()), ember.onnx.load(f.getvalue())
    for t, n in ((3, 2), (6, 3), (1, 1)):
        v = mk(t, n)
        ts = [ember.tensor(x) for x in v]
        y, hid = m(ts[0], (ts[1], ts[2]) if lstm else ts[1])
        refs = [y] + (list(hid) if lstm else [hid])
        feed = dict(zip(names, v))
        for got in (sess.run(None, feed), mine.run(None, feed)):
            for g, r in zip(got, refs):
                np.testing.assert_allclose(g, r.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_recurrent_unbatched_input(cell):
    ember.manual_seed(17)
    m = getattr(nn, cell)(3, 4, num_layers=2, batch_first=True)
    _check(m, lambda t: [_rand(t, 3)], ["x"], {"x": {0: "seq"}}, sizes=(4, 2, 6))


@pytest.mark.parametrize("opset", [13, 15])
def test_older_opsets(opset):
    ember.manual_seed(15)
    m = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 3),
                      nn.Softmax(-1))
    p = _check(m, lambda n: [_rand(n, 4)], ["x"], {"x": [0]}, opset_version=opset)
    assert "LayerNormalization" not in _ops(p) and p.opset_import[0].version == opset


def test_rnn_classifier_model():
    ember.manual_seed(10)
    m = ember.models.RNNClassifier(input_dim=6, hidden_dim=8, layer_dim=2, output_dim=3,
                                   cell="lstm") if "cell" in \
        ember.models.RNNClassifier.__init__.__code__.co_varnames else \
        ember.models.RNNClassifier(6, 8, 2, 3)
    _check(m, lambda n: [_rand(n, 5, 6)], ["x"], BATCH)


class _TextEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 16)
        layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.fc = nn.Linear(16, 4)

    def forward(self, tokens):
        return self.fc(self.enc(self.emb(tokens)).mean(1))


def test_embedding_transformer_encoder_dynamic_batch_and_seq():
    ember.manual_seed(11)
    m = _TextEncoder()
    rng = np.random.default_rng(0)
    sizes = iter([(2, 7), (2, 7), (1, 3), (4, 9)])

    def tokens(_):
        b, t = next(sizes)
        return [rng.integers(0, 50, (b, t)).astype(np.int64)]

    _check(m, tokens, ["tokens"], {"tokens": {0: "batch", 1: "seq"}}, sizes=(0, 1, 2))


@pytest.mark.parametrize("opset", [17, 18])
def test_multihead_attention(opset):
    ember.manual_seed(12)
    m = nn.MultiheadAttention(16, 4)
    mk = lambda n: [_rand(5, n, 16), _rand(6, n, 16, seed=1), _rand(6, n, 16, seed=2)]  # noqa
    p = _check(m, mk, ["q", "k", "v"], {"q": {1: "b"}, "k": {1: "b"}, "v": {1: "b"}},
               opset_version=opset)
    mean = next(n for n in p.graph.node if n.op_type == "ReduceMean")
    assert (len(mean.input) == 2) == (opset >= 18)  # axes: an input from opset 18


def test_export_params_false_and_initializers_as_inputs(tmp_path):
    ember.manual_seed(13)
    m = nn.Sequential(nn.Linear(3, 2))
    path = tmp_path / "m.onnx"
    ember.onnx.export(m, ember.randn(1, 3), str(path), export_params=False)
    p = onnx.load(str(path))
    assert {i.name for i in p.graph.input} >= {"0.weight", "0.bias"}
    assert not p.graph.initializer
    p = ember.onnx.export(m, ember.randn(1, 3), None, keep_initializers_as_inputs=True)
    assert {i.name for i in p.graph.input} >= {i.name for i in p.graph.initializer}


@pytest.mark.parametrize("name,shape", [
    ("CNN", (1, 28, 28)), ("LeNet5", (1, 28, 28)), ("RNNClassifier", (28, 28)),
    ("DCGANGenerator", (100, 1, 1)), ("DCGANDiscriminator", (1, 28, 28)),
    ("SmallResNet", (1, 28, 28))])
def test_ember_models(name, shape):
    ember.manual_seed(14)
    m = getattr(ember.models, name)()
    _check(m, lambda n: [_rand(n, *shape)], ["x"], BATCH, sizes=(2, 3))


class _Positional(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("pe", ember.randn(1, 50, 8))
        self.lin = nn.Linear(8, 8)

    def forward(self, x):
        t = x.size(1)
        y = self.lin(x + self.pe[:, :t])
        return y.reshape(x.shape[0] * t, 8).reshape(-1, t, 2, 4).sum(-1)


def test_sizes_derived_from_dynamic_axes_become_shape_ops():
    ember.manual_seed(16)
    sizes = iter([(2, 5), (2, 5), (3, 7), (1, 1)])

    def mk(_):
        b, t = next(sizes)
        return [_rand(b, t, 8)]

    p = _check(_Positional(), mk, ["x"], {"x": {0: "b", 1: "t"}}, sizes=(0, 1, 2))
    assert "Shape" in _ops(p)


def test_shape_dependent_nonuniform_constant_is_refused():
    class M(nn.Module):
        def forward(self, x):
            return x + ember.arange(x.shape[1]).float()

    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="dynamic axes"):
        ember.onnx.export(M(), ember.randn(2, 3), io.BytesIO(), input_names=["x"],
                          dynamic_axes={"x": {1: "t"}})


class _KwModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.seen_export = None

    def forward(self, x, scale=None):
        self.seen_export = ember.onnx.is_in_onnx_export()
        y = self.lin(x)
        return y * scale if scale is not None else y


def test_keyword_inputs_and_torch_arguments():
    ember.manual_seed(18)
    m = _KwModel()
    x, s = ember.randn(2, 3), ember.rand(2, 1)
    f = io.BytesIO()
    ember.onnx.export(m, (x, {"scale": s}), f, input_names=["x", "scale"], dynamo=False,
                      operator_export_type=None)
    assert m.seen_export and not ember.onnx.is_in_onnx_export()
    got = ort.InferenceSession(f.getvalue()).run(None, {"x": x.numpy(), "scale": s.numpy()})
    np.testing.assert_allclose(got[0], m(x, scale=s).detach().numpy(), rtol=1e-5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        ember.onnx.export(m, x, io.BytesIO(), bogus=1)


def test_index_computed_from_a_dynamic_size_is_refused_with_context():
    class M(nn.Module):
        def forward(self, x):
            return x[:, x.shape[1] - 1]

    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="GetItem") as e:
        ember.onnx.export(nn.Sequential(M()), ember.randn(2, 4), io.BytesIO(),
                          input_names=["x"], dynamic_axes={"x": {1: "t"}})
    assert "n - 1" in str(e.value) and e.value.module_path == "0"
