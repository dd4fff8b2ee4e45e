"""The digit-drawing page end to end in a real headless Chromium (Debian's, driven by
Playwright): draw a stroke with the mouse, click Predict, read the prediction off the page."""
import os
import shutil

import numpy as np
import pytest

import ember

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mnist")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium "
                                "(apt-get install chromium); .ci/run installs it")


@pytest.fixture(scope="module")
def trained_server():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(os.path.join(MNIST, "train-images-idx3-ubyte.gz")):
        pytest.skip("needs the MNIST files in ../shared/data/mnist")
    from conftest import Server

    from ember.cli.data import normalise
    from ember.serve import create_app
    from ember.serve.store import ServedModel
    from ember.vision.datasets.mnist import read_idx

    x = read_idx(os.path.join(MNIST, "train-images-idx3-ubyte.gz"))[:6000]
    y = read_idx(os.path.join(MNIST, "train-labels-idx1-ubyte.gz"))[:6000].astype(np.int64)
    ember.manual_seed(0)
    net = ember.models.CNN(input_size=28)
    opt = ember.optim.Adam(net.parameters(), lr=2e-3)
    xs, ys = ember.from_numpy(normalise(x, "mnist")), ember.from_numpy(y)
    for epoch in range(2):
        for i in range(0, len(ys), 64):
            loss = ember.nn.functional.cross_entropy(net(xs[i:i + 64]), ys[i:i + 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()

    def fwd(a):
        with ember.no_grad():
            return net(ember.from_numpy(a)).numpy()
    m = ServedModel("mnist", fwd, (1, 28, 28), classes=[str(i) for i in range(10)],
                    normalise=(0.1307, 0.3081), output_shape=(10,))
    server = Server(create_app({"mnist": m}))
    yield server, sync_api
    server.stop()


def _draw(page, points):
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for px, py in points[1:]:
        page.mouse.move(box["x"] + px, box["y"] + py, steps=8)
    page.mouse.up()


def test_draw_and_predict_in_chromium(trained_server):
    server, sync_api = trained_server
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        page.goto(server.url + "/")
        assert page.locator("#model").inner_text() == "mnist"
        _draw(page, [(140, 40), (140, 240)])  # a vertical stroke: a one
        page.click("#predict")
        page.wait_for_function("document.getElementById('prediction').textContent !== '-'",
                               timeout=20000)
        assert page.locator("#prediction").inner_text() == "1"
        bars = page.locator("#bars .bar")
        assert bars.count() == 10
        page.click("#clear")
        import math

        ring = [(140 + 60 * math.sin(t / 20 * 2 * math.pi), 140 - 90 * math.cos(t / 20 * 2 *
                 math.pi)) for t in range(21)]
        _draw(page, ring)  # an oval: a zero
        page.click("#predict")
        page.wait_for_function("document.getElementById('prediction').textContent !== '-'",
                               timeout=20000)
        assert page.locator("#prediction").inner_text() == "0"
        browser.close()
