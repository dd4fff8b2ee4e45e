"""ember.save / ember.load against real PyTorch: checkpoints move both ways.

PyTorch writes the fixtures (into tmp_path) and reads ember's files back with
``torch.load(weights_only=True)``; values, dtypes, shapes, strides, storage offsets and
storage sharing are compared.
"""
import collections
import io
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember import serialization
from ember._serialization import _zip

TORCH_OF = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64,
            "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
            "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
            "complex64": torch.complex64, "complex128": torch.complex128}
DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def assert_same(e, t, path="obj"):
    """ember object ``e`` mirrors torch object ``t``: same structure, types, tensor data."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: {type(e)}"
        assert TORCH_OF[e.dtype.name] == t.dtype, f"{path}: {e.dtype} vs {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), path
        assert e.stride() == t.stride(), f"{path}: stride {e.stride()} vs {t.stride()}"
        assert e.requires_grad == t.requires_grad, path
        assert isinstance(e, ember.nn.Parameter) == isinstance(t, torch.nn.Parameter), path
        np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy(), err_msg=path)
    elif isinstance(t, torch.Size):
        assert type(e) is ember.Size and tuple(e) == tuple(t), path
    elif isinstance(t, torch.dtype):
        assert TORCH_OF[e.name] == t, path
    elif isinstance(t, dict):
        assert type(e).__name__ == type(t).__name__, f"{path}: {type(e)} vs {type(t)}"
        assert list(e) == list(t), f"{path}: keys {list(e)} vs {list(t)}"
        for k in t:
            assert_same(e[k], t[k], f"{path}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t), f"{path}: {type(e)} vs {type(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        assert type(e) is type(t) and e == t, f"{path}: {e!r} vs {t!r}"


def shares(a, b):
    return np.shares_memory(a.detach().numpy(), b.detach().numpy())


def torch_shares(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


# --- PyTorch -> ember ----------------------------------------------------------------------------
def _layers():
    torch.manual_seed(0)
    bn = torch.nn.BatchNorm2d(3)
    bn(torch.randn(4, 3, 5, 5))  # running stats and num_batches_tracked move off their init
    return {"linear": torch.nn.Linear(4, 3), "conv": torch.nn.Conv2d(3, 8, 3, padding=1),
            "bn": bn, "lstm": torch.nn.LSTM(5, 7, num_layers=2),
            "embedding": torch.nn.Embedding(10, 4)}


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("name", ["linear", "conv", "bn", "lstm", "embedding"])
def test_torch_layer_state_dict_loads(tmp_path, name, legacy):
    sd = _layers()[name].state_dict()
    path = tmp_path / "sd.pt"
    torch.save(sd, path, _use_new_zipfile_serialization=not legacy)
    got = ember.load(path)
    assert type(got) is collections.OrderedDict
    assert_same(got, sd)
    if name == "bn":
        assert got["num_batches_tracked"].dtype == ember.int64
        assert got["num_batches_tracked"].item() == 1


def test_torch_adam_state_dict_loads(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
    model(torch.randn(5, 3)).sum().backward()
    opt.step()
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
            "loss": 0.25, "name": "run", "note": None}
    torch.save(ckpt, tmp_path / "ckpt.pt")
    got = ember.load(tmp_path / "ckpt.pt")
    assert_same(got, ckpt)
    assert got["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert got["optimizer"]["state"][0]["step"].item() == 1.0


def test_torch_dtypes_views_and_sharing_load(tmp_path):
    base = torch.arange(24, dtype=torch.float32)
    m = base.view(4, 6)
    obj = {"base": base, "t": m.t(), "slice": m[1:3, ::2], "offset": base[5:9],
           "expand": base[:3].unsqueeze(0).expand(2, 3), "scalar": base[7],
           "size": m.shape, "dtype": torch.float16}
    for i, dt in enumerate(DTYPES):
        full = (torch.arange(12) % 3 == i % 3) if dt == "bool" else torch.arange(12).to(
            TORCH_OF[dt])
        obj[dt] = full.view(3, 4)[:, 1:]
    torch.save(obj, tmp_path / "v.pt")
    got = ember.load(tmp_path / "v.pt")
    assert_same(got, obj)
    for k in ("t", "slice", "offset", "expand", "scalar"):
        assert shares(got["base"], got[k]), k
    got["offset"][0] = -1.0  # one buffer: the write shows through every view
    assert got["base"][5].item() == -1.0 and got["t"][5, 0].item() == -1.0


def test_torch_legacy_format_keeps_sharing(tmp_path):
    x = torch.randn(4, 5, dtype=torch.float64)
    obj = [x, x[1:], x.t(), {"y": torch.ones(2, dtype=torch.int16)}]
    torch.save(obj, tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    got = ember.load(str(tmp_path / "l.pt"))
    assert_same(got, obj)
    assert shares(got[0], got[1]) and shares(got[0], got[2])


def test_torch_bfloat16_loads_as_float32(tmp_path):
    x = torch.randn(6).to(torch.bfloat16)
    for legacy in (False, True):
        torch.save({"x": x, "v": x[2:]}, tmp_path / "b.pt",
                   _use_new_zipfile_serialization=not legacy)
        got = ember.load(tmp_path / "b.pt")
        assert got["x"].dtype == ember.float32
        np.testing.assert_array_equal(got["x"].numpy(), x.float().numpy())
        np.testing.assert_array_equal(got["v"].numpy(), x[2:].float().numpy())
        assert shares(got["x"], got["v"])


def test_torch_parameters_and_requires_grad(tmp_path):
    p = torch.nn.Parameter(torch.randn(3))
    q = torch.randn(2, requires_grad=True)
    torch.save({"p": p, "q": q, "frozen": torch.nn.Parameter(torch.ones(1), False)},
               tmp_path / "p.pt")
    got = ember.load(tmp_path / "p.pt")
    assert isinstance(got["p"], ember.nn.Parameter) and got["p"].requires_grad
    assert got["q"].requires_grad and not isinstance(got["q"], ember.nn.Parameter)
    assert isinstance(got["frozen"], ember.nn.Parameter) and not got["frozen"].requires_grad


def test_torch_tensors_with_attributes(tmp_path):
    t = torch.ones(2)
    t.note = "bar"  # pickled through torch._tensor._rebuild_from_type_v2
    p = torch.nn.Parameter(torch.ones(1))
    p.tag = 3  # torch._utils._rebuild_parameter_with_state
    torch.save({"t": t, "p": p}, tmp_path / "a.pt")
    got = ember.load(tmp_path / "a.pt")
    assert got["t"].note == "bar" and got["t"].tolist() == [1.0, 1.0]
    assert isinstance(got["p"], ember.nn.Parameter) and got["p"].tag == 3
    ember.save(got, tmp_path / "b.pt")  # and back: torch sees the attributes
    back = torch.load(tmp_path / "b.pt", weights_only=True)
    assert back["t"].note == "bar" and type(back["t"]) is torch.Tensor
    assert isinstance(back["p"], torch.nn.Parameter) and back["p"].tag == 3


def test_file_objects_and_non_seekable(tmp_path):
    buf = io.BytesIO()
    torch.save({"a": torch.arange(3)}, buf)
    buf.seek(0)
    assert ember.load(buf)["a"].tolist() == [0, 1, 2]

    class Stream(io.RawIOBase):  # readable, not seekable
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._b.readinto(b)

    assert ember.load(Stream(buf.getvalue()))["a"].tolist() == [0, 1, 2]


def test_mmap_load(tmp_path):
    x = torch.randn(100, 7)
    torch.save({"x": x, "row": x[3]}, tmp_path / "m.pt")
    got = ember.load(tmp_path / "m.pt", mmap=True)
    np.testing.assert_array_equal(got["x"].numpy(), x.numpy())
    assert shares(got["x"], got["row"])
    got["x"][0, 0] = 123.0  # copy-on-write: the file is untouched
    assert torch.load(tmp_path / "m.pt")["x"][0, 0].item() == x[0, 0].item()


# --- ember -> PyTorch ----------------------------------------------------------------------------
def _ember_views():
    base = ember.arange(24.)
    m = base.view(4, 6)
    obj = collections.OrderedDict(
        base=base, t=m.t(), slice=m[1:3, ::2], offset=base[5:9], scalar=base[7],
        expand=base[:3].expand(2, 3), size=ember.Size([2, 3]), dtype=ember.int32)
    for dt in DTYPES:
        a = ember.arange(12).to(getattr(ember, dt)) if dt != "bool" else ember.arange(12) > 5
        obj[dt] = a.view(3, 4)[:, 1:]
        obj[dt + "_full"] = a
    return obj


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_ember_views_and_dtypes_load_in_torch(tmp_path, legacy):
    obj = _ember_views()
    ember.save(obj, tmp_path / "e.pt", _use_new_zipfile_serialization=not legacy)
    got = torch.load(tmp_path / "e.pt", weights_only=True)
    assert_same(obj, got)
    assert got["slice"].storage_offset() == 6 and got["offset"].storage_offset() == 5
    for k in ("t", "slice", "offset", "expand"):
        assert torch_shares(got["base"], got[k]), k
    for dt in DTYPES:
        assert torch_shares(got[dt], got[dt + "_full"]), dt
        assert got[dt].storage_offset() == 1
    got["offset"][0] = -1.0
    assert got["base"][5].item() == -1.0 and got["t"][5, 0].item() == -1.0
    assert len({t.untyped_storage().data_ptr() for t in got.values()
                if isinstance(t, torch.Tensor)}) == len(DTYPES) + 2  # + the scalar's copy


def test_random_views_roundtrip_through_torch(tmp_path):
    """Random strided views (slices with steps, permutations) of random bases."""
    rng = np.random.default_rng(0)
    obj, expect = {}, {}
    for i in range(25):
        shape = tuple(rng.integers(1, 6, size=rng.integers(1, 4)))
        base = rng.normal(size=shape).astype(rng.choice(["float32", "float64", "int16"]))
        idx = []
        for n in shape:
            a = int(rng.integers(0, n))
            idx.append(slice(a, int(rng.integers(a + 1, n + 1)), int(rng.integers(1, 3))))
        view = base[tuple(idx)].transpose(rng.permutation(len(shape)))
        obj[f"b{i}"], obj[f"v{i}"] = ember.Tensor._make(base), ember.Tensor._make(view)
        expect[i] = ((view.__array_interface__["data"][0] - base.__array_interface__["data"][0])
                     // base.itemsize)
    ember.save(obj, tmp_path / "r.pt")
    got = torch.load(tmp_path / "r.pt", weights_only=True)
    assert_same(obj, got)
    for i, off in expect.items():
        assert got[f"v{i}"].storage_offset() == off, i
        assert torch_shares(got[f"b{i}"], got[f"v{i}"]), i
    back = ember.load(tmp_path / "r.pt")
    assert_same(back, got)
    for i in expect:
        assert shares(back[f"b{i}"], back[f"v{i}"]), i


def test_non_storage_argument_refused():
    blob = (b"\x80\x02" + _global("torch._utils", "_rebuild_tensor_v2")
            + b"(K\x05K\x00K\x01\x85K\x01\x85\x89NtR.")
    with pytest.raises(pickle.UnpicklingError, match="expected a storage, got int"):
        ember.load(io.BytesIO(blob))


def test_ember_zip_layout_matches_torch(tmp_path):
    ember.save({"w": ember.ones(3)}, tmp_path / "model.pt")
    with zipfile.ZipFile(tmp_path / "model.pt") as zf:
        names = zf.namelist()
        assert names == ["model/data.pkl", "model/.format_version", "model/.storage_alignment",
                         "model/byteorder", "model/data/0", "model/version",
                         "model/.data/serialization_id"]
        assert zf.read("model/byteorder") == sys.byteorder.encode()
        assert zf.read("model/version") == b"3\n"
        assert zf.read("model/data.pkl")[:2] == b"\x80\x02"  # protocol 2
        raw = (tmp_path / "model.pt").read_bytes()
        for info in zf.infolist():  # every entry's data is 64-byte aligned
            n, e = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], "<u2")
            assert (info.header_offset + 30 + int(n) + int(e)) % 64 == 0, info.filename
    buf = io.BytesIO()
    ember.save({"w": ember.ones(3)}, buf)
    assert zipfile.ZipFile(buf).namelist()[0] == "archive/data.pkl"
    got = torch.load(tmp_path / "model.pt", weights_only=True, mmap=True)  # needs alignment
    assert got["w"].tolist() == [1.0, 1.0, 1.0]


def test_save_errors(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        ember.save(ember.ones(1), tmp_path / "missing" / "x.pt")
    with pytest.raises(ValueError, match="mmap"):
        ember.load(io.BytesIO(), mmap=True)


def test_ember_optimizer_state_loads_into_torch_adam(tmp_path):
    optim = pytest.importorskip("ember.optim")
    rng = np.random.default_rng(0)
    w0, g = rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=(3, 2)).astype(
        np.float32)
    ep = ember.nn.Parameter(ember.Tensor._make(w0.copy()))
    eopt = optim.Adam([ep], lr=0.1, weight_decay=0.01)
    for _ in range(2):
        ep.grad = ember.Tensor._make(g.copy())
        eopt.step()
    ember.save({"opt": eopt.state_dict(), "w": ep}, tmp_path / "opt.pt")
    ck = torch.load(tmp_path / "opt.pt", weights_only=True)
    tp = torch.nn.Parameter(ck["w"].detach().clone())
    topt = torch.optim.Adam([tp], lr=0.1, weight_decay=0.01)
    topt.load_state_dict(ck["opt"])
    ep.grad, tp.grad = ember.Tensor._make(g.copy()), torch.from_numpy(g.copy())
    eopt.step()
    topt.step()
    np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_ember_optimizer_like_state_loads_in_torch(tmp_path):
    state = {
        "state": {0: {"step": ember.tensor(3.), "exp_avg": ember.zeros(2, 3),
                      "exp_avg_sq": ember.ones(2, 3)}, 1: {"momentum_buffer": None}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                          "params": [0, 1], "name": "decay", "big": 2 ** 70,
                          "nested": [[1, 2.5], {"k": "v"}], "cplx": 1 + 2j,
                          "raw": b"\x00\xff"}],
    }
    ember.save(state, tmp_path / "o.pt")
    got = torch.load(tmp_path / "o.pt", weights_only=True)
    assert_same(state, got)
    assert_same(ember.load(tmp_path / "o.pt"), got)


def test_ember_state_dict_roundtrip_into_torch_module(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    torch.save(net.state_dict(), tmp_path / "a.pt")
    ember.save(ember.load(tmp_path / "a.pt"), tmp_path / "b.pt")
    fresh = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    fresh.load_state_dict(torch.load(tmp_path / "b.pt", weights_only=True))
    for k, v in net.state_dict().items():
        assert torch.equal(fresh.state_dict()[k], v), k


@pytest.mark.parametrize("name, args", [("Linear", (4, 3)), ("Conv2d", (3, 8, 3)),
                                        ("BatchNorm2d", (3,))])
def test_ember_layer_state_dicts_both_ways(tmp_path, name, args):
    if not hasattr(ember.nn, name):
        pytest.skip(f"ember.nn.{name} not in this checkout")
    em, tm = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    ember.save(em.state_dict(), tmp_path / "e.pt")
    tm.load_state_dict(torch.load(tmp_path / "e.pt", weights_only=True))
    for k, v in em.state_dict().items():
        np.testing.assert_array_equal(tm.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    if name == "BatchNorm2d":
        torch.nn.init.uniform_(tm.weight)
        tm(torch.randn(2, 3, 4, 4))
    torch.save(tm.state_dict(), tmp_path / "t.pt")
    em.load_state_dict(ember.load(tmp_path / "t.pt"))
    assert_same(em.state_dict(), tm.state_dict())


def test_ember_parameters_load_in_torch(tmp_path):
    p = ember.nn.Parameter(ember.randn(3))
    ember.save({"p": p, "again": p, "frozen": ember.nn.Parameter(ember.ones(2), False),
                "g": ember.ones(2, requires_grad=True)}, tmp_path / "p.pt")
    got = torch.load(tmp_path / "p.pt", weights_only=True)
    assert isinstance(got["p"], torch.nn.Parameter) and got["p"].requires_grad
    assert got["again"] is got["p"]
    assert isinstance(got["frozen"], torch.nn.Parameter) and not got["frozen"].requires_grad
    assert got["g"].requires_grad and not isinstance(got["g"], torch.nn.Parameter)
    back = ember.load(tmp_path / "p.pt")
    assert back["again"] is back["p"] and isinstance(back["p"], ember.nn.Parameter)


def test_unrepresentable_views_are_copied(tmp_path):
    base = np.arange(10, dtype=np.float32)
    flipped = ember.Tensor._make(base[::-1])  # negative stride: PyTorch has none
    odd = ember.Tensor._make(np.frombuffer(bytearray(13), np.int32, 3, offset=1))
    ember.save({"f": flipped, "odd": odd, "empty": ember.zeros(0, 3)}, tmp_path / "c.pt")
    got = torch.load(tmp_path / "c.pt", weights_only=True)
    assert got["f"].tolist() == base[::-1].tolist() and got["odd"].tolist() == [0, 0, 0]
    assert got["empty"].shape == (0, 3)


def test_views_of_one_buffer_as_two_dtypes_raise(tmp_path):
    raw = np.zeros(4, np.float32)
    a, b = ember.Tensor._make(raw), ember.Tensor._make(raw.view(np.int32))
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        ember.save([a, b], tmp_path / "x.pt")
    assert not os.path.exists(tmp_path / "x.pt")


def test_zip64_records_read_by_torch(tmp_path, monkeypatch):
    monkeypatch.setattr(_zip, "_ZIP64_LIMIT", 40)  # force the >4 GiB code paths on small data
    monkeypatch.setattr(_zip, "_MAX_ENTRIES", 3)
    x = ember.randn(30)
    ember.save({"x": x, "y": ember.arange(3)}, tmp_path / "z.pt")
    assert zipfile.ZipFile(tmp_path / "z.pt").testzip() is None
    got = torch.load(tmp_path / "z.pt", weights_only=True)
    np.testing.assert_array_equal(got["x"].numpy(), x.numpy())
    assert ember.load(tmp_path / "z.pt")["y"].tolist() == [0, 1, 2]


# --- map_location --------------------------------------------------------------------------------
def test_map_location(tmp_path, monkeypatch):
    from ember._serialization import _pickler

    orig = _pickler.StorageTable._new_ref
    monkeypatch.setattr(_pickler.StorageTable, "_new_ref",
                        lambda self, d, loc, n, data: orig(self, d, "cuda:0", n, data))
    ember.save({"x": ember.ones(2)}, tmp_path / "g.pt")
    monkeypatch.undo()
    from ember.backends import cuda

    if not cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA device"):
            ember.load(tmp_path / "g.pt")
    seen = []
    for loc in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"},
                lambda storage, location: seen.append(location) or "cpu"):
        got = ember.load(tmp_path / "g.pt", map_location=loc)
        assert got["x"].device == ember.device("cpu") and got["x"].tolist() == [1.0, 1.0]
    assert seen == ["cuda:0"]


# --- safety ----------------------------------------------------------------------------------
class _Reduce:
    """An object that pickles as ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _unicode(s):
    b = s.encode()
    return b"X" + len(b).to_bytes(4, "little") + b


def _payloads(marker):
    """(name, payload, global named in the error): payload is an object whose unpickling
    creates ``marker``, or the raw pickle bytes of one (hand-built with opcodes)."""
    m = str(marker)
    touch = f"open({m!r}, 'w').close()"
    # getattr trick: getattr(__import__('os'), 'system')('touch marker'), by hand.
    trick = (b"\x80\x02" + _global("builtins", "getattr") + _global("builtins", "__import__")
             + _unicode("os") + b"\x85R" + _unicode("system") + b"\x86R"
             + _unicode(f"touch {m}") + b"\x85R.")
    return [
        ("os.system", _Reduce(os.system, f"touch {m}"), r"posix\.system"),
        ("eval", _Reduce(eval, touch), "eval"),
        ("exec", _Reduce(exec, touch), "exec"),
        ("Popen", _Reduce(subprocess.Popen, ["touch", m]), r"subprocess\.Popen"),
        ("protocol4", pickle.dumps(_Reduce(exec, touch), 4), "exec"),
        ("protocol0", pickle.dumps(_Reduce(exec, touch), 0), "exec"),
        ("getattr", trick, "getattr"),
        ("inst", b"(" + _unicode(touch) + b"ibuiltins\nexec\n.", "exec"),  # INST opcode
    ]


def _wait_for(marker, tries=300):
    import time

    for _ in range(tries):  # Popen runs touch in a child process
        if marker.exists():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("idx", range(8))
def test_malicious_pickles_refused_and_not_run(tmp_path, idx):
    marker = tmp_path / "pwned"
    name, payload, glob = _payloads(marker)[idx]
    raw = isinstance(payload, bytes)
    evil = _Reduce(pickle.loads, payload) if raw else payload
    if raw:
        glob = r"pickle\.loads"  # refused at the wrapper, before the inner payload is seen
    torch.save({"w": torch.ones(2), "nested": {"x": [1, evil]}}, tmp_path / "zip.pt")
    torch.save({"w": torch.ones(2), "x": evil}, tmp_path / "legacy.pt",
               _use_new_zipfile_serialization=False)
    for f in ("zip.pt", "legacy.pt"):
        with pytest.raises(pickle.UnpicklingError, match=rf"GLOBAL [\w.]*{glob} (was not|whose)"):
            ember.load(tmp_path / f)
    raw_bytes = payload if raw else pickle.dumps(payload, 2)
    with pytest.raises(pickle.UnpicklingError, match=_payloads(marker)[idx][2]):
        ember.load(io.BytesIO(raw_bytes))
    assert not _wait_for(marker, 30 if name == "Popen" else 1), f"{name} ran"
    # The corpus is real: an unrestricted load runs it.
    ember.load(tmp_path / "zip.pt", weights_only=False)
    assert _wait_for(marker), name


def test_payload_inside_zip_data_pkl(tmp_path):
    """A hand-edited checkpoint: data.pkl holds os.system inside a dict beside real tensors."""
    marker = tmp_path / "pwned"
    ember.save({"w": ember.ones(2)}, tmp_path / "ok.pt")
    zin = zipfile.ZipFile(tmp_path / "ok.pt")
    pkl = pickle.dumps({"w": 1, "x": {"y": _Reduce(os.system, f"touch {marker}")}}, 2)
    with zipfile.ZipFile(tmp_path / "evil.pt", "w") as zout:
        for info in zin.infolist():
            data = pkl if info.filename.endswith("data.pkl") else zin.read(info)
            zout.writestr(info.filename, data)
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL posix\.system|os\.system"):
        ember.load(tmp_path / "evil.pt")
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match="blocked"):
        with serialization.safe_globals([os.system]):  # blocked modules stay blocked
            ember.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_out_of_bounds_tensor_refused(tmp_path):
    ember.save({"w": ember.ones(4)}, tmp_path / "ok.pt")
    zin = zipfile.ZipFile(tmp_path / "ok.pt")
    pkl = zin.read("ok/data.pkl")
    assert b"K\x04\x85" in pkl  # size (4,)
    with zipfile.ZipFile(tmp_path / "bad.pt", "w") as zout:
        for info in zin.infolist():
            data = pkl.replace(b"K\x04\x85", b"K\x09\x85", 1) if info.filename.endswith(
                "data.pkl") else zin.read(info)
            zout.writestr(info.filename, data)
    with pytest.raises(pickle.UnpicklingError, match="out of bounds"):
        ember.load(tmp_path / "bad.pt")


def test_torch_tensor_class_cannot_allocate():
    blob = b"\x80\x02" + _global("torch", "Tensor") + b"J\xff\xff\xff\x7f\x85R."
    with pytest.raises(pickle.UnpicklingError, match="can't be constructed"):
        ember.load(io.BytesIO(blob))


def test_legacy_storage_larger_than_file_refused(tmp_path):
    torch.save([torch.ones(4)], tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    raw = (tmp_path / "l.pt").read_bytes()
    assert raw.count(b"K\x04N") == 1  # the storage id's numel (4), then view metadata None
    (tmp_path / "big.pt").write_bytes(raw.replace(b"K\x04N", b"J\xff\xff\xff\x7fN"))
    with pytest.raises(pickle.UnpicklingError, match="larger than the file"):
        ember.load(tmp_path / "big.pt")


def test_extension_opcode_goes_through_the_allow_list():
    import copyreg

    copyreg.add_extension("posix", "system", 240)
    try:
        blob = pickle.dumps(os.system, 2)
    finally:
        copyreg.remove_extension("posix", "system", 240)
    assert blob == b"\x80\x02\x82\xf0."  # EXT1 240
    copyreg.add_extension("posix", "system", 240)
    try:
        with pytest.raises(pickle.UnpicklingError, match="posix.system"):
            ember.load(io.BytesIO(blob))
    finally:
        copyreg.remove_extension("posix", "system", 240)


def test_truncated_and_empty_files_raise(tmp_path):
    ember.save({"w": ember.ones(1000)}, tmp_path / "ok.pt")
    raw = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[:len(raw) // 2])
    with pytest.raises(RuntimeError, match="failed reading zip archive"):
        ember.load(tmp_path / "cut.pt")
    ember.save({"w": ember.ones(1000)}, tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    raw = (tmp_path / "l.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[:-100])
    with pytest.raises(RuntimeError, match="unexpected end of file"):
        ember.load(tmp_path / "cut.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(EOFError):
        ember.load(tmp_path / "empty.pt")


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def test_safe_globals_api(tmp_path):
    ember.save({"p": Point(1, ember.ones(2))}, tmp_path / "pt.pt")
    with pytest.raises(pickle.UnpicklingError, match="test_serialization.Point"):
        ember.load(tmp_path / "pt.pt")
    with serialization.safe_globals([Point]):
        assert Point in serialization.get_safe_globals()
        p = ember.load(tmp_path / "pt.pt")["p"]
        assert isinstance(p, Point) and p.x == 1 and p.y.tolist() == [1.0, 1.0]
    assert Point not in serialization.get_safe_globals()
    serialization.add_safe_globals([(Point, "test_serialization.Point")])
    try:
        assert isinstance(ember.load(tmp_path / "pt.pt")["p"], Point)
        assert (Point, "test_serialization.Point") in serialization.get_safe_globals() or \
            Point in serialization.get_safe_globals()
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "pt.pt")


def test_numpy_arrays_load_when_allowed(tmp_path):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    torch.save({"a": a}, tmp_path / "np.pt")
    with pytest.raises(pickle.UnpicklingError, match="_reconstruct"):
        ember.load(tmp_path / "np.pt")
    np.testing.assert_array_equal(ember.load(tmp_path / "np.pt", weights_only=False)["a"], a)
    allowed = [np._core.multiarray._reconstruct, np.ndarray, np.dtype, type(a.dtype)]
    with serialization.safe_globals(allowed):
        np.testing.assert_array_equal(ember.load(tmp_path / "np.pt")["a"], a)
    with torch.serialization.safe_globals(allowed):  # the same list torch needs
        np.testing.assert_array_equal(torch.load(tmp_path / "np.pt")["a"], a)


class Net(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = ember.nn.Parameter(ember.randn(3, 2))
        self.register_buffer("count", ember.tensor(5))
        self.tag = "net"


def test_whole_module_with_weights_only_false(tmp_path):
    net = Net()
    ember.save(net, tmp_path / "net.pt")
    with pytest.raises(pickle.UnpicklingError, match="test_serialization.Net"):
        ember.load(tmp_path / "net.pt")
    got = ember.load(tmp_path / "net.pt", weights_only=False)
    assert type(got) is Net and got.tag == "net"
    assert isinstance(got.w, ember.nn.Parameter) and got.w.requires_grad
    np.testing.assert_array_equal(got.w.detach().numpy(), net.w.detach().numpy())
    assert list(got.state_dict()) == ["w", "count"]
    assert b"test_serialization\nNet" in zipfile.ZipFile(tmp_path / "net.pt").read(
        "net/data.pkl")


# --- atomic writes ---------------------------------------------------------------------------
def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    ember.save({"v": ember.tensor([1, 2, 3])}, path)
    calls = []

    def fail(self, name, data):
        calls.append(name)
        if name.endswith("data/0"):
            raise OSError("disk full")
        return orig(self, name, data)

    orig = _zip.ZipWriter.write_record
    monkeypatch.setattr(_zip.ZipWriter, "write_record", fail)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"v": ember.zeros(10 ** 5)}, path)
    monkeypatch.undo()
    assert calls and ember.load(path)["v"].tolist() == [1, 2, 3]
    assert os.listdir(tmp_path) == ["ck.pt"]  # the temporary file was removed


def test_killed_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ck.pt"
    ember.save({"v": ember.tensor([1, 2, 3])}, path)
    script = textwrap.dedent(f"""
        import sys, time, ember
        from ember._serialization import _zip
        orig = _zip.ZipWriter.write_record
        def slow(self, name, data):
            orig(self, name, data)
            if "/data/" in name:  # first storage is on disk: stall mid-save
                print("WRITING", flush=True)
                time.sleep(60)
        _zip.ZipWriter.write_record = slow
        ember.save({{"a": ember.zeros(1 << 20), "b": ember.ones(1 << 20)}}, {str(path)!r})
    """)
    root = pathlib.Path(ember.__file__).parent.parent
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert proc.stdout.readline().strip() == b"WRITING"
        tmp = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
        assert len(tmp) == 1 and (tmp_path / tmp[0]).stat().st_size > 4 << 20
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert ember.load(path)["v"].tolist() == [1, 2, 3]
    assert torch.load(path, weights_only=True)["v"].tolist() == [1, 2, 3]


def test_save_through_symlink_and_pathlike(tmp_path):
    (tmp_path / "real.pt").write_bytes(b"")
    os.symlink(tmp_path / "real.pt", tmp_path / "link.pt")
    ember.save([ember.ones(1)], tmp_path / "link.pt")
    assert os.path.islink(tmp_path / "link.pt")
    assert ember.load(tmp_path / "real.pt")[0].tolist() == [1.0]
    ember.save(ember.ones(2), os.fsencode(tmp_path / "bytes.pt"))
    assert ember.load(str(tmp_path / "bytes.pt")).tolist() == [1.0, 1.0]
