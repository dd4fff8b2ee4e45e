"""ember.utils.safetensors against the ``safetensors`` package (the oracle, tests only)."""
import json
import struct

import numpy as np
import pytest
import torch

import ember
from ember.utils import safetensors as est

st_torch = pytest.importorskip("safetensors.torch")
safe_open = pytest.importorskip("safetensors").safe_open

PAIRS = [("float16", torch.float16), ("float32", torch.float32), ("float64", torch.float64),
         ("int8", torch.int8), ("int16", torch.int16), ("int32", torch.int32),
         ("int64", torch.int64), ("uint8", torch.uint8), ("bool", torch.bool)]


def _both(seed=0):
    rng = np.random.default_rng(seed)
    arrays = {}
    for name, _ in PAIRS:
        a = rng.normal(size=(3, 4)) * 50
        arrays[name] = (a > 0) if name == "bool" else a.astype(name)
    arrays["scalar"] = np.array(2.5, np.float32)
    arrays["complex"] = (rng.normal(size=3) + 1j).astype(np.complex64)
    arrays["empty"] = np.zeros((0, 3), np.float32)
    e = {k: ember.Tensor._make(v.copy()) for k, v in arrays.items()}
    t = {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}
    return e, t


def test_bytes_identical_to_safetensors_package():
    e, t = _both()
    for meta in (None, {"format": "pt"}, {"note": "ünïcode"}):
        assert est.save(e, metadata=meta) == st_torch.save(t, metadata=meta)
    # With several metadata keys the package orders them by hash: compare parsed headers.
    meta = {"b": "1", "a": "2", "zz": "3"}
    blob = est.save(e, metadata=meta)
    assert st_torch.load(blob).keys() == t.keys()
    assert safe_metadata(blob) == meta


def safe_metadata(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n])["__metadata__"]


def test_load_package_bytes_and_files(tmp_path):
    e, t = _both(1)
    got = est.load(st_torch.save(t))
    st_torch.save_file(t, tmp_path / "m.safetensors", metadata={"a": "b"})
    from_file = est.load_file(tmp_path / "m.safetensors")
    for name, tt in t.items():
        for g in (got[name], from_file[name]):
            assert g.dtype.name == str(tt.dtype).split(".")[1].replace("cfloat", "complex64")
            assert tuple(g.shape) == tuple(tt.shape)
            np.testing.assert_array_equal(g.numpy(), tt.numpy())


def test_save_file_read_by_package(tmp_path):
    e, t = _both(2)
    x = ember.arange(12.).view(3, 4)
    e["transposed"], t["transposed"] = x.t(), torch.arange(12.).view(3, 4).t()
    est.save_file(e, tmp_path / "e.safetensors", metadata={"epoch": "3"})
    got = st_torch.load_file(tmp_path / "e.safetensors")
    assert set(got) == set(t)
    for k in t:
        assert got[k].dtype == t[k].dtype and torch.equal(got[k], t[k]), k
    with safe_open(tmp_path / "e.safetensors", framework="pt") as f:
        assert f.metadata() == {"epoch": "3"}


def test_bfloat16_loads_as_float32(tmp_path):
    x = torch.randn(5, 3).to(torch.bfloat16)
    st_torch.save_file({"x": x}, tmp_path / "b.safetensors")
    got = est.load_file(tmp_path / "b.safetensors")["x"]
    assert got.dtype == ember.float32
    np.testing.assert_array_equal(got.numpy(), x.float().numpy())


def test_loaded_tensors_are_writable_and_separate(tmp_path):
    est.save_file({"a": ember.ones(3), "b": ember.zeros(2, dtype=ember.int64)},
                  tmp_path / "w.safetensors")
    got = est.load_file(tmp_path / "w.safetensors")
    got["a"][0] = 5.0
    assert got["a"].tolist() == [5.0, 1.0, 1.0]
    assert not np.shares_memory(got["a"].numpy(), got["b"].numpy())
    ember.save(got, tmp_path / "w.pt")  # separate buffers: savable as a checkpoint
    assert torch.load(tmp_path / "w.pt")["b"].dtype == torch.int64


def _file(header, data=b""):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


@pytest.mark.parametrize("blob, match", [
    (b"\x01\x02", "too small"),
    (struct.pack("<Q", 10 ** 12) + b"{}", "header length"),
    (_file({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4),
     "does not match"),
    (_file({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8),
     "does not match"),
    (_file({"x": {"dtype": "Q99", "shape": [1], "data_offsets": [0, 1]}}, b"\0"),
     "invalid safetensors entry"),
    (struct.pack("<Q", 3) + b"{x}", "invalid safetensors header"),
])
def test_invalid_files_raise(tmp_path, blob, match):
    with pytest.raises(ValueError, match=match):
        est.load(blob)
    (tmp_path / "bad.safetensors").write_bytes(blob)
    with pytest.raises(ValueError, match=match):
        est.load_file(tmp_path / "bad.safetensors")


def test_bad_input_to_save():
    with pytest.raises(ValueError, match="expected ember.Tensor"):
        est.save({"x": np.zeros(2)})
    with pytest.raises(ValueError, match="metadata"):
        est.save({"x": ember.ones(1)}, metadata={"k": 1})
