"""Tensor-op coverage of ember.onnx.export: each expression exports with a dynamic batch,
passes the checker, and onnxruntime and ember.onnx.load agree with ember."""
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402
import ember.nn.functional as F  # noqa: E402

CASES = {
    "max_min_dim": lambda x: x.max(1)[0] + x.min(dim=2).values.sum(1, keepdim=True),
    "amax_max_all": lambda x: x.amax(-1, keepdim=True) + x.max(),
    "argmax": lambda x: x.argmax(1).float() + ember.argmin(x, dim=1).float()
    + x.argmax().float() + x.argmax(2, keepdim=True).float().sum(1),
    "sum_mean_var": lambda x: x.sum(1) + x.mean((1, 2)).unsqueeze(-1) + x.var(1)
    + x.std(2, keepdim=True)[..., 0].sum(1, keepdim=True),
    "cat_stack": lambda x: ember.cat([x, x * 2], 1) + ember.stack([x, x], 1).sum(1).repeat(1, 2, 1),
    "chunk_split": lambda x: sum(x.chunk(3, 1)) + sum(x.split([1, 3], 2)[1].split(1, 2)),
    "views": lambda x: x.view(x.shape[0], -1).reshape(-1, 3, 4).transpose(1, 2).flatten(1)
    .unsqueeze(1).squeeze(1),
    "slicing": lambda x: x[:, 1:3, ::2] * x[..., -1:][:, None, 0] +
    x[:, [0, 2]].sum(1, keepdim=True)[:, :, :2],
    "expand": lambda x: x[:, :1].expand(-1, 4, -1) * x.mean(1, keepdim=True),
    "elementwise": lambda x: (x.abs() + 1).sqrt() + (x.abs() + 1).rsqrt() + x.exp() / 10
    + (x.abs() + 1).log() - x ** 3 + 2 ** x + 1 / (x.abs() + 1) + x.abs().log1p(),
    "clamp_where": lambda x: x.clamp(-0.5, 0.5) + ember.where(x > 0, x, -x)
    + x.masked_fill(x < 0.1, 0.0) + x.clamp(min=0.2) + ((x > 0) & (x < 1)).float(),
    "softmaxes": lambda x: F.softmax(x, -1) + F.log_softmax(x, 1)
    + ember.logsumexp(x, 2, keepdim=True),
    "matmul": lambda x: x @ x.transpose(1, 2) @ x
    + ember.bmm(x, x.transpose(1, 2)).sum(-1, keepdim=True),
    "functional": lambda x: F.relu(x) + F.silu(x) + F.gelu(x) + F.gelu(x, approximate="tanh")
    + F.leaky_relu(x, 0.2) + F.elu(x) + F.hardtanh(x) + F.softsign(x) + F.tanh(x)
    + F.sigmoid(x) + F.mish(x) + F.hardsigmoid(x) + F.relu6(x) + F.logsigmoid(x),
    "norms": lambda x: F.normalize(x, dim=-1) + F.layer_norm(x, (4,)) + F.group_norm(x, 1)
    + F.instance_norm(x),
    "pads": lambda x: F.pad(x, (1, 2))[..., :4] + F.pad(x, (1, 1, 1, 1))[:, 1:-1, 1:-1],
    "pool1d": lambda x: F.max_pool1d(x, 2).sum(-1, keepdim=True)
    + F.avg_pool1d(x, 2).mean(-1, keepdim=True) + F.adaptive_avg_pool1d(x, 2).sum(-1, True),
    "cumsum": lambda x: x.cumsum(1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_op(name):
    fn = CASES[name]

    class M(nn.Module):
        def forward(self, x):
            return fn(x)

    f = io.BytesIO()
    ember.manual_seed(0)
    ember.onnx.export(M(), ember.randn(2, 3, 4), f, input_names=["x"],
                      dynamic_axes={"x": {0: "b"}})
    onnx.checker.check_model(onnx.load_from_string(f.getvalue()), full_check=True)
    sess, mine = ort.InferenceSession(f.getvalue()), ember.onnx.load(f.getvalue())
    x = ember.randn(5, 3, 4)
    ref = fn(x).numpy()
    np.testing.assert_allclose(sess.run(None, {"x": x.numpy()})[0], ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mine.run(None, {"x": x.numpy()})[0], ref, rtol=1e-5, atol=1e-5)


LAYERS = {
    "upsample": (lambda: nn.Sequential(nn.Upsample(scale_factor=2),
                                       nn.Upsample(scale_factor=2, mode="bilinear")),
                 [(2, 3, 4, 4)], {"i0": {0: "b"}}),
    "conv1d": (lambda: nn.Sequential(nn.Conv1d(3, 4, 3, padding=1), nn.BatchNorm1d(4),
                                     nn.MaxPool1d(2), nn.AvgPool1d(2)), [(2, 3, 16)],
               {"i0": {0: "b"}}),
    "conv3d": (lambda: nn.Sequential(nn.Conv3d(2, 3, 3, padding=1), nn.BatchNorm3d(3),
                                     nn.MaxPool3d(2), nn.AdaptiveAvgPool3d(1)),
               [(2, 2, 6, 6, 6)], {"i0": {0: "b"}}),
    "transformer": (lambda: nn.Transformer(16, 2, 1, 1, 32), [(5, 2, 16), (4, 2, 16)],
                    {"i0": {1: "b"}, "i1": {1: "b"}}),
    "adaptive": (lambda: nn.Sequential(nn.AdaptiveAvgPool2d((2, 3)), nn.AdaptiveMaxPool2d(1)),
                 [(2, 3, 8, 9)], {"i0": {0: "b"}}),
    "pixel_shuffle": (lambda: nn.PixelShuffle(2), [(2, 8, 3, 3)], {"i0": {0: "b"}}),
    "instance_group_norm": (lambda: nn.Sequential(nn.InstanceNorm2d(3, affine=True),
                                                  nn.GroupNorm(1, 3)),
                            [(2, 3, 5, 5)], {"i0": {0: "b"}}),
    "pads": (lambda: nn.Sequential(nn.ZeroPad2d(1), nn.ReflectionPad2d(1)), [(2, 3, 5, 5)],
             {"i0": {0: "b"}}),
    "activations": (lambda: nn.Sequential(nn.Tanhshrink(), nn.Softsign(), nn.LogSigmoid(),
                                          nn.Threshold(0.1, 20.0)), [(2, 3, 4)],
                    {"i0": {0: "b"}}),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer(name):
    build, shapes, dyn = LAYERS[name]
    ember.manual_seed(1)
    m = build().eval()
    names = [f"i{k}" for k in range(len(shapes))]
    f = io.BytesIO()
    ember.onnx.export(m, tuple(ember.randn(*s) for s in shapes), f, input_names=names,
                      dynamic_axes=dyn)
    onnx.checker.check_model(onnx.load_from_string(f.getvalue()), full_check=True)
    sess, mine = ort.InferenceSession(f.getvalue()), ember.onnx.load(f.getvalue())
    for batch in (1, 3):
        xs = [ember.randn(*[batch if i == list(dyn.get(n, {0: 0}))[0] else d
                            for i, d in enumerate(s)]) for n, s in zip(names, shapes)]
        ref = m(*xs)
        ref = (ref[0] if isinstance(ref, tuple) else ref).detach().numpy()
        feed = {n: x.numpy() for n, x in zip(names, xs)}
        np.testing.assert_allclose(sess.run(None, feed)[0], ref, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(mine.run(None, feed)[0], ref, rtol=1e-4, atol=1e-5)
