"""``detach_`` against PyTorch: views raise, leaves and non-leaves are cut in place."""
import pytest
import torch

import ember

_VIEW_ERR = "Can't detach views in-place. Use detach() instead."

_VIEWS = {
    "slice of a non-leaf": lambda lib: lib.ones(4, requires_grad=True).clone()[:2],
    "slice of a leaf": lambda lib: lib.ones(4, requires_grad=True)[:2],
    "slice without grad": lambda lib: lib.ones(4)[:2],
    "view": lambda lib: lib.ones(4, requires_grad=True).clone().view(2, 2),
    "transpose": lambda lib: lib.ones(2, 3).t(),
    "expand": lambda lib: lib.ones(1, 3).expand(2, 3),
    "unbind": lambda lib: lib.ones(2, 3).unbind(0)[0],
    "slice of a detached tensor": lambda lib: lib.ones(4, requires_grad=True).detach()[1:],
}


@pytest.mark.parametrize("name", list(_VIEWS))
def test_detach_on_a_view_raises(name):
    messages = []
    for lib in (ember, torch):
        v = _VIEWS[name](lib)
        with pytest.raises(RuntimeError) as info:
            v.detach_()
        messages.append(str(info.value))
    assert messages[0].startswith(_VIEW_ERR)
    assert messages[0] == messages[1]  # the whole message, word for word


def test_view_made_under_no_grad_still_raises():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True).clone()
        with lib.no_grad():
            v = x[:2]
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            v.detach_()


def _state(t):
    return (t.requires_grad, t.grad_fn is None, t.is_leaf, t.tolist())


@pytest.mark.parametrize("make", [
    lambda lib: lib.ones(3, requires_grad=True),
    lambda lib: lib.ones(3, requires_grad=True) * 2,
    lambda lib: lib.ones(3),
    lambda lib: lib.ones(3, requires_grad=True).detach(),
    lambda lib: lib.ones(3, requires_grad=True).data,
    lambda lib: lib.ones(2, 3).contiguous(),
])
def test_detach_in_place_matches_torch(make):
    results = []
    for lib in (ember, torch):
        t = make(lib)
        out = t.detach_()
        assert out is t
        results.append(_state(t))
    assert results[0] == results[1]


def test_base_detached_in_place_leaves_its_view_in_the_graph():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True).clone()
        v = x[:2]
        x.detach_()
        assert not x.requires_grad and v.requires_grad and v.grad_fn is not None
