"""Grad mode is per thread, as in PyTorch: checked with real threads on ember and torch."""
import threading

import pytest
import torch

import ember


def _in_thread(fn):
    """Run ``fn`` in a new thread and return its result (re-raising its exception)."""
    box = {}

    def target():
        try:
            box["out"] = fn()
        except BaseException as e:  # pragma: no cover - surfaced below
            box["err"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "err" in box:
        raise box["err"]
    return box["out"]


def _probe(lib):
    """What a fresh thread sees: grad mode, inference mode, and whether an op records."""
    x = lib.ones(2, requires_grad=True)
    return (lib.is_grad_enabled(), lib.is_inference_mode_enabled(), (x * 2).requires_grad)


@pytest.mark.parametrize("mode", ["no_grad", "set_grad_enabled", "inference_mode"])
def test_thread_started_inside_a_mode_records(mode):
    def run(lib):
        ctx = {"no_grad": lambda: lib.no_grad(),
               "set_grad_enabled": lambda: lib.set_grad_enabled(False),
               "inference_mode": lambda: lib.inference_mode()}[mode]()
        with ctx:
            inner = _in_thread(lambda: _probe(lib))
            outer = lib.is_grad_enabled()
        return inner, outer, lib.is_grad_enabled()

    assert run(ember) == run(torch)
    assert run(ember) == ((True, False, True), False, True)


def test_set_grad_enabled_in_one_thread_leaves_the_other_alone():
    def run(lib):
        started, release = threading.Event(), threading.Event()
        seen = {}

        def worker():
            lib.set_grad_enabled(False)  # immediate, for this thread only
            seen["worker"] = lib.is_grad_enabled()
            started.set()
            release.wait(5)
            seen["worker_after"] = lib.is_grad_enabled()

        t = threading.Thread(target=worker)
        t.start()
        started.wait(5)
        x = lib.ones(2, requires_grad=True)
        seen["main"] = (lib.is_grad_enabled(), (x * 2).requires_grad)
        lib.set_grad_enabled(True)  # the main thread's switch does not reach the worker
        release.set()
        t.join()
        return seen

    assert run(ember) == run(torch)
    assert run(ember) == {"worker": False, "main": (True, True), "worker_after": False}


def test_decorated_function_in_a_thread_only_affects_that_thread():
    def run(lib):
        @lib.no_grad()
        def f():
            return lib.is_grad_enabled(), _in_thread(lib.is_grad_enabled)

        return _in_thread(f), lib.is_grad_enabled()

    assert run(ember) == run(torch) == ((False, True), True)


def test_concurrent_threads_keep_their_own_mode():
    # Several threads flip their own mode many times; none sees another's switch.
    errors = []
    barrier = threading.Barrier(4)

    def worker(enabled):
        barrier.wait(5)
        for _ in range(300):
            with ember.set_grad_enabled(enabled):
                y = ember.ones(2, requires_grad=True) * 3
                if y.requires_grad is not enabled or ember.is_grad_enabled() is not enabled:
                    errors.append(enabled)
        if ember.is_grad_enabled() is not True:
            errors.append("not restored")

    threads = [threading.Thread(target=worker, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_backward_in_a_thread_while_main_is_in_no_grad():
    def run(lib):
        def work():
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            (x * x).sum().backward()
            return x.grad.tolist()

        with lib.no_grad():
            return _in_thread(work)

    assert run(ember) == run(torch) == [2.0, 4.0]
