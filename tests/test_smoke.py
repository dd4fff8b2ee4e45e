import numpy as np
import torch

import ember
from helpers import check, check_grad


def test_arith_parity():
    a = np.random.randn(3, 4).astype(np.float32)
    b = np.random.randn(4).astype(np.float32)
    check(lambda x, y: x * y + x / (y * y + 1) - y ** 2, lambda x, y: x * y + x / (y * y + 1) - y ** 2, a, b)


def test_matmul_parity():
    a = np.random.randn(2, 3, 4).astype(np.float32)
    b = np.random.randn(4, 5).astype(np.float32)
    check(lambda x, y: x @ y, lambda x, y: x @ y, a, b, rtol=1e-4)


def test_gradcheck_mul():
    check_grad(lambda x, y: (x * y).exp(), np.random.randn(3), np.random.randn(3))


def test_setitem_routes_grad():
    a = np.random.randn(3, 2).astype(np.float32)
    v = np.random.randn(2).astype(np.float32)

    def f(mod):
        def g(x, val):
            z = x * 1
            z[1] = val
            return z * z
        return g
    check(f(ember), f(torch), a, v)
