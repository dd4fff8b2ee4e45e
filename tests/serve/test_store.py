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
