"""The BLAS thread policy (ember/backends/_blas.py): one thread by default, user choice kept."""
import os
import subprocess
import sys

import numpy as np
import pytest

from ember.backends import _blas

needs_openblas = pytest.mark.skipif(_blas._set is None, reason="NumPy's BLAS is not OpenBLAS")


@needs_openblas
def test_import_runs_openblas_on_one_thread_unless_the_environment_says():
    code = "import ember; from ember.backends import _blas; print(_blas._get())"
    env = {k: v for k, v in os.environ.items() if k not in _blas._ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(__file__)), check=True)
    assert out.stdout.strip() == "1"
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(__file__)), check=True)
    assert out.stdout.strip() == "2"


@needs_openblas
def test_set_num_threads_and_gemm_threads(monkeypatch):
    monkeypatch.setattr(_blas, "_threads", [_blas._threads[0]])
    monkeypatch.setattr(_blas, "_user", [False])
    before = _blas._get()
    try:
        with _blas.gemm_threads(_blas.BIG_GEMM_FLOPS):
            assert _blas._get() == min(_blas._cores(), 64)
        assert _blas._get() == _blas._threads[0]
        with _blas.gemm_threads(10):
            assert _blas._get() == _blas._threads[0]
        _blas.set_num_threads(2)
        assert _blas._get() == 2 and _blas.get_num_threads() == 2
        with _blas.gemm_threads(_blas.BIG_GEMM_FLOPS):  # the user's choice wins
            assert _blas._get() == 2
    finally:
        _blas._set(before)


def test_set_num_threads_rejects_non_positive():
    with pytest.raises(RuntimeError, match="positive integer"):
        _blas.set_num_threads(0)


def test_products_are_the_same_on_any_thread_count():
    a = np.random.default_rng(0).standard_normal((300, 200)).astype(np.float32)
    one = a @ a.T
    with _blas.gemm_threads(_blas.BIG_GEMM_FLOPS):
        many = a @ a.T
    np.testing.assert_array_equal(one, many)
