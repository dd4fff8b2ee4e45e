"""Random ops: seeding reproduces values, generators are independent, distributions are right
(moments), dtypes/shapes/errors follow torch."""
import numpy as np
import pytest
import torch

import ember

RANDOM_OPS = {
    "rand": lambda g=None: ember.rand(3, 4, generator=g),
    "randn": lambda g=None: ember.randn(3, 4, generator=g),
    "randint": lambda g=None: ember.randint(0, 100, (3, 4), generator=g),
    "randperm": lambda g=None: ember.randperm(20, generator=g),
    "normal": lambda g=None: ember.normal(0.0, 1.0, (5,), generator=g),
    "normal_tensor": lambda g=None: ember.normal(ember.zeros(5), ember.ones(5), generator=g),
    "multinomial": lambda g=None: ember.multinomial(ember.ones(2, 10), 5, generator=g),
    "multinomial_repl": lambda g=None: ember.multinomial(ember.ones(10), 20, True, generator=g),
    "bernoulli": lambda g=None: ember.bernoulli(ember.full((20,), 0.5), generator=g),
    "uniform_": lambda g=None: ember.empty(5).uniform_(-1, 1, generator=g),
    "normal_": lambda g=None: ember.empty(5).normal_(generator=g),
}


@pytest.mark.parametrize("name", list(RANDOM_OPS))
def test_manual_seed_reproduces(name):
    fn = RANDOM_OPS[name]
    ember.manual_seed(123)
    a = fn()
    ember.manual_seed(123)
    b = fn()
    assert a.tolist() == b.tolist()
    ember.manual_seed(124)
    c = fn()
    ember.manual_seed(125)
    d = fn()
    assert c.tolist() != b.tolist() or d.tolist() != b.tolist()


@pytest.mark.parametrize("name", list(RANDOM_OPS))
def test_generator_reproduces_and_leaves_global_alone(name):
    fn = RANDOM_OPS[name]
    g = ember.Generator().manual_seed(7)
    ember.manual_seed(0)
    a = fn(g)
    after_global = ember.rand(3).tolist()
    g.manual_seed(7)
    ember.manual_seed(0)
    b = fn(g)
    assert a.tolist() == b.tolist()
    assert ember.rand(3).tolist() == after_global


def test_manual_seed_returns_generator_and_state_roundtrip():
    g = ember.manual_seed(3)
    assert isinstance(g, ember.Generator) and g.initial_seed() == 3
    state = ember.get_rng_state()
    a = ember.randn(4).tolist()
    ember.set_rng_state(state)
    assert ember.randn(4).tolist() == a
    assert ember.Generator().manual_seed(5).initial_seed() == 5


def test_cuda_seeding_works_without_gpu():
    ember.cuda.manual_seed(1)
    ember.cuda.manual_seed_all(1)
    assert ember.cuda.initial_seed() == 1


def test_distributions_moments():
    ember.manual_seed(0)
    u = ember.rand(200_000).numpy()
    assert u.dtype == np.float32 and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.01
    z = ember.randn(200_000, dtype=ember.float64).numpy()
    assert z.dtype == np.float64 and abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    n = ember.normal(2.0, 3.0, (200_000,)).numpy()
    assert abs(n.mean() - 2) < 0.05 and abs(n.std() - 3) < 0.05
    r = ember.randint(-3, 5, (100_000,)).numpy()
    assert r.min() == -3 and r.max() == 4
    p = ember.randperm(50).numpy()
    assert sorted(p.tolist()) == list(range(50))


def test_multinomial_frequencies_and_no_replacement():
    ember.manual_seed(0)
    w = ember.tensor([1.0, 2.0, 7.0])
    s = ember.multinomial(w, 100_000, replacement=True).numpy()
    freq = np.bincount(s, minlength=3) / s.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.01)
    rows = ember.multinomial(ember.rand(64, 8), 8).numpy()
    assert all(sorted(r) == list(range(8)) for r in rows.tolist())
    zero_w = ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 1)
    assert zero_w.tolist() == [1]
    # without replacement, first draws follow the weights
    firsts = ember.multinomial(w.expand(20000, 3), 1).numpy().ravel()
    np.testing.assert_allclose(np.bincount(firsts, minlength=3) / firsts.size, [0.1, 0.2, 0.7],
                               atol=0.015)


META_CASES = [
    "m.rand(2, 3)", "m.rand(())", "m.rand(0)", "m.randn((2, 3))", "m.randn([2, 3])",
    "m.rand(2, dtype=m.float64)", "m.randn(2, dtype=m.float16)",
    "m.randint(5, (2, 2))", "m.randint(0, 5, (2,), dtype=m.float32)",
    "m.randint(2, (3,), dtype=m.uint8)", "m.randint(5, [2, 2])", "m.randperm(4)",
    "m.randperm(4, dtype=m.float32)", "m.randperm(0)", "m.normal(m.zeros(2), 1.0)",
    "m.normal(0.0, m.ones(2))", "m.normal(0.0, 1.0, size=(2,), dtype=m.float64)",
    "m.normal(m.zeros(2, 3), m.ones(3))", "m.normal(m.zeros(2, dtype=m.float64), 1.0)",
    "m.multinomial(m.ones(2, 3), 2)", "m.multinomial(m.ones(3), 5, replacement=True)",
    "m.rand_like(m.ones(2, 3))", "m.randn_like(m.ones(2, dtype=m.float64))",
    "m.randint_like(m.ones(2), 5)", "m.bernoulli(m.full((3,), 0.5))",
    "m.rand(2, requires_grad=True)",
]


@pytest.mark.parametrize("expr", META_CASES)
def test_shapes_and_dtypes_match_torch(expr):
    e = eval(expr, {"m": ember})
    t = eval(expr, {"m": torch})
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
    assert e.requires_grad == t.requires_grad


ERROR_CASES = [
    "m.rand(2, dtype=m.int64)", "m.randn(2, dtype=m.int64)", "m.rand(-1)", "m.randn(2, -1)",
    "m.randint(5, 3, (2,))", "m.randint(3, (2,), dtype=m.bool)", "m.randperm(-1)",
    "m.multinomial(m.tensor([0.0, 0.0]), 1)", "m.multinomial(m.tensor([1.0, 1.0]), 3)",
    "m.multinomial(m.tensor([-1.0, 1.0]), 1)", "m.multinomial(m.ones(2, 2, 2), 1)",
    "m.normal(m.zeros(2, 3), m.ones(6))", "m.normal(0.0, -1.0, size=(2,))",
    "m.randint(3, (2,), requires_grad=True)", "m.ones(2, requires_grad=True).uniform_()",
]


@pytest.mark.parametrize("expr", ERROR_CASES)
def test_errors_match_torch(expr):
    errs = []
    for mod in (ember, torch):
        with pytest.raises(Exception) as info:
            eval(expr, {"m": mod})
        errs.append(info.value)
    assert type(errs[0]) is type(errs[1]), errs
    assert str(errs[0]) == str(errs[1])


def test_inplace_random_under_no_grad_on_leaf():
    w = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        w.normal_()
        w.uniform_(0, 1)
    assert w.requires_grad and w.is_leaf


def test_random_module_alias_and_fork_rng():
    assert ember.random.manual_seed is ember.manual_seed
    ember.manual_seed(5)
    with ember.random.fork_rng():
        inside = ember.rand(3).tolist()
    after = ember.rand(3).tolist()
    assert after == inside  # the fork restored the state it started from

    @ember.random.fork_rng()
    def draw():
        return ember.randn(4)

    ember.manual_seed(1)
    draw()
    a = ember.randn(2).tolist()
    ember.manual_seed(1)
    assert ember.randn(2).tolist() == a
