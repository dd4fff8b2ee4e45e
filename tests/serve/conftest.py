import socket
import threading
import time

import numpy as np
import pytest

import ember

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_digit_model(name="mnist"):
    """A ServedModel around a (randomly initialised) seed CNN for 28x28 digits."""
    from ember.serve.store import ServedModel

    ember.manual_seed(0)
    net = ember.models.CNN(input_size=28).eval()

    def fwd(x):
        with ember.no_grad():
            return net(ember.from_numpy(x)).numpy()
    m = ServedModel(name, fwd, (1, 28, 28), "image", "logits",
                    classes=[str(i) for i in range(10)], normalise=(0.1307, 0.3081),
                    output_shape=(10,))
    m.net = net
    return m


class Server:
    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(cfg)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def digit_model():
    return make_digit_model()


@pytest.fixture(scope="module")
def server(digit_model):
    from ember.serve import create_app

    s = Server(create_app({"mnist": digit_model}, batching=True, window_ms=20,
                          max_body_bytes=1 << 20))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def server_nobatch(digit_model):
    from ember.serve import create_app

    s = Server(create_app({"mnist": digit_model}, batching=False))
    yield s
    s.stop()


@pytest.fixture
def digits_batch():
    return np.random.default_rng(0).standard_normal((5, 1, 28, 28)).astype(np.float32)
