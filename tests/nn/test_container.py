from collections import OrderedDict

import numpy as np
import pytest
import torch
from layer_check import compare_layer

import ember
from ember import nn

tnn = torch.nn


def seq(lib, n=4):
    L = lib.nn
    return L.Sequential(*[L.Linear(3, 3) if i % 2 == 0 else L.Tanh() for i in range(n)])


def names(m):
    return [type(c).__name__ for c in m]


def test_sequential_forward_parity_and_paths():
    e, t = seq(ember), seq(torch)
    x = np.random.randn(5, 3).astype(np.float32)
    compare_layer(e, t, x)
    assert type(e).__module__ == "ember.nn.modules.container"
    assert repr(e) == repr(t)


def test_sequential_indexing_slicing_and_mutation():
    e, t = seq(ember, 5), seq(torch, 5)
    assert names(e) == names(t)
    assert type(e[-1]).__name__ == type(t[-1]).__name__ and e[-1] is e[4]
    sl = e[1:4]
    assert isinstance(sl, nn.Sequential) and len(sl) == 3 and sl[0] is e[1]
    assert list(sl._modules) == list(t[1:4]._modules) == ["1", "2", "3"]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        e[5]
    for m in (e, t):
        L = nn if m is e else tnn
        m.append(m[1])
        m.insert(0, L.ReLU())
        m.insert(-1, L.Sigmoid())
        m.extend([L.GELU()])
        del m[2]
        m.pop(0)
        del m[1:3]
        m[0] = L.SiLU()
    assert names(e) == names(t)
    assert list(e._modules) == list(t._modules)
    assert len(e) == len(t)
    assert repr(e) == repr(t)


def test_sequential_ordered_dict_add_and_mul():
    od_e = OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())])
    od_t = OrderedDict([("fc", tnn.Linear(2, 2)), ("act", tnn.ReLU())])
    e, t = nn.Sequential(od_e), tnn.Sequential(od_t)
    assert list(e.state_dict()) == list(t.state_dict()) == ["fc.weight", "fc.bias"]
    assert repr(e) == repr(t)
    assert e.fc is od_e["fc"]
    s = e + nn.Sequential(nn.Tanh())
    assert names(s) == ["Linear", "ReLU", "Tanh"] and list(s._modules) == ["0", "1", "2"]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
        e + nn.ReLU()
    assert names(nn.Sequential(nn.ReLU()) * 3) == ["ReLU"] * 3
    e += nn.Sequential(nn.Tanh())
    assert names(e) == ["Linear", "ReLU", "Tanh"]
    assert [type(m).__name__ for m in iter(e)] == names(e)


def test_module_list():
    e = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    t = tnn.ModuleList([tnn.Linear(2, 2), tnn.ReLU()])
    for m, L in ((e, nn), (t, tnn)):
        m.append(L.Tanh())
        m.extend([L.ReLU(), L.ReLU()])
        m.insert(1, L.Sigmoid())
        m += [L.Linear(2, 2)]
        del m[0]
        m[0] = L.Tanh()
        m.pop(-1)
    assert names(e) == names(t) and list(e._modules) == list(t._modules)
    assert repr(e) == repr(t)
    assert isinstance(e[1:3], nn.ModuleList) and len(e[1:3]) == 2
    assert len(list(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)]).parameters())) == 4
    assert names(e + nn.ModuleList([nn.ReLU()]))[-1] == "ReLU"
    with pytest.raises(IndexError, match="index 10 is out of range"):
        e[10]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        e.extend(3)
    assert repr(nn.ModuleList()) == repr(tnn.ModuleList())


def test_module_dict():
    e = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(2, 3)})
    t = tnn.ModuleDict({"b": tnn.ReLU(), "a": tnn.Linear(2, 3)})
    assert list(e.keys()) == list(t.keys()) == ["b", "a"]
    assert repr(e) == repr(t)
    e["c"] = nn.Tanh()
    e.update([("d", nn.Sigmoid())])
    assert "c" in e and len(e) == 4 and list(e) == ["b", "a", "c", "d"]
    assert type(e.pop("c")).__name__ == "Tanh" and "c" not in e
    assert [k for k, _ in e.items()] == ["b", "a", "d"] and len(list(e.values())) == 3
    assert list(e.state_dict()) == ["a.weight", "a.bias"]
    e.clear()
    assert len(e) == 0
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        e.update([("a", nn.ReLU(), 1)])


def test_parameter_list():
    e = nn.ParameterList([nn.Parameter(ember.ones(2, 3)), ember.zeros(2)])
    t = tnn.ParameterList([tnn.Parameter(torch.ones(2, 3)), torch.zeros(2)])
    assert isinstance(e[1], nn.Parameter) and e[1].requires_grad
    e.append(nn.Parameter(ember.ones(1, dtype=ember.float64)))
    t.append(tnn.Parameter(torch.ones(1, dtype=torch.float64)))
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert repr(e) == repr(t).replace("torch.float", "ember.float")
    assert len(e) == 3 and len(e[:2]) == 2 and e[-1] is e[2]
    e[0] = ember.ones(4)
    assert e[0].shape == (4,) and isinstance(e[0], nn.Parameter)
    e.extend([ember.ones(1)])
    assert len(list(e.parameters())) == 4
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        e(1)


def test_parameter_dict():
    e = nn.ParameterDict({"w": nn.Parameter(ember.ones(2, 3)), "b": ember.zeros(2)})
    t = tnn.ParameterDict({"w": tnn.Parameter(torch.ones(2, 3)), "b": torch.zeros(2)})
    assert list(e.keys()) == list(t.keys())
    assert repr(e) == repr(t)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(e["b"], nn.Parameter)
    e["c"] = ember.ones(1)
    assert "c" in e and len(e) == 3 and e.get("zz") is None
    assert e.pop("c").shape == (1,) and "c" not in e
    e2 = e | nn.ParameterDict({"z": ember.ones(1)})
    assert list(e2.keys()) == list(e.keys()) + ["z"]
    assert e.setdefault("q", ember.ones(1)).shape == (1,)
    assert list(reversed(e))[0] == "q"
    k, v = e.popitem()
    assert k == "q"
    with pytest.raises(TypeError, match="cannot be used as a key"):
        e[1] = ember.ones(1)
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        e(1)


def test_containers_in_state_dict_and_load():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
            self.extra = nn.ParameterList([nn.Parameter(ember.ones(2))])
            self.named = nn.ParameterDict({"s": nn.Parameter(ember.ones(1))})

    class TNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.layers = tnn.ModuleList([tnn.Linear(2, 2), tnn.Linear(2, 2)])
            self.extra = tnn.ParameterList([tnn.Parameter(torch.ones(2))])
            self.named = tnn.ParameterDict({"s": tnn.Parameter(torch.ones(1))})

    e, t = Net(), TNet()
    assert list(e.state_dict()) == list(t.state_dict())
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
