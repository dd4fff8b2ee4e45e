"""Loading served models from run directories (as `ember train` writes them)."""
import json

import numpy as np
import pytest

import ember


def test_load_run_directory_and_ember_serve_cli_parser(tmp_path):
    from ember.serve.cli import load_models

    ember.manual_seed(0)
    net = ember.models.CNN(input_size=28)
    ember.save({"model": net.state_dict(), "epoch": 1}, str(tmp_path / "checkpoint.pt"))
    (tmp_path / "config.json").write_text(json.dumps({
        "model": "cnn", "dataset": "mnist", "input_size": 28, "seed": 0,
        "classes": [str(i) for i in range(10)], "model_config": net.config}))
    models = load_models([f"digits={tmp_path}"])
    m = models["digits"]
    x = np.random.default_rng(0).standard_normal((3, 1, 28, 28)).astype(np.float32)
    with ember.no_grad():
        expected = net.eval()(ember.tensor(x)).numpy()
    np.testing.assert_allclose(m.predict(x), expected, rtol=1e-5, atol=1e-6)
    assert m.metadata()["classes"][3] == "3" and m.image


def test_validate_messages(digit_model=None):
    from ember.serve.store import ModelInputError, ServedModel

    m = ServedModel("m", lambda x: x.sum(1, keepdims=True), (4,))
    assert m.validate([1, 2, 3, 4]).shape == (1, 4)
    with pytest.raises(ModelInputError, match=r"expected \[N, 4\]"):
        m.validate([[1, 2, 3]])
    with pytest.raises(ModelInputError, match="NaN"):
        m.validate([1, 2, float("nan"), 4])


def test_serve_onnx_file_exported_by_ember(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import httpx
    from conftest import Server

    from ember.serve import create_app, load_model

    ember.manual_seed(0)
    net = ember.models.CNN(input_size=28).eval()
    path = str(tmp_path / "cnn.onnx")
    ember.onnx.export(net, ember.randn(1, 1, 28, 28), path, input_names=["image"],
                      output_names=["logits"], dynamic_axes={"image": {0: "batch"},
                                                             "logits": {0: "batch"}})
    m = load_model(path)
    assert m.name == "cnn" and m.input_shape == (1, 28, 28) and m.input_name == "image"
    x = np.random.default_rng(1).standard_normal((4, 1, 28, 28)).astype(np.float32)
    with ember.no_grad():
        expected = net(ember.tensor(x)).numpy()
    server = Server(create_app({"cnn": m}))
    try:
        r = httpx.post(server.url + "/v1/models/cnn:predict", json={"inputs": x.tolist()})
        assert r.status_code == 200, r.text
        np.testing.assert_allclose(np.array(r.json()["outputs"]), expected, rtol=1e-4,
                                   atol=1e-4)
        assert httpx.get(server.url + "/v1/models/cnn").json()["inputs"][0]["name"] == "image"
    finally:
        server.stop()
