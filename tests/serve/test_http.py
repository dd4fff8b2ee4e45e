"""The HTTP API against a real uvicorn server on a loopback port."""
import concurrent.futures as cf
import io
import json

import httpx
import numpy as np
import pytest


def test_health_ready_models_docs(server):
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/health").json() == {"status": "ok"}
        assert c.get("/ready").json()["models"] == ["mnist"]
        md = c.get("/v1/models/mnist").json()
        assert md["inputs"][0]["shape"] == [-1, 1, 28, 28]
        assert md["outputs"][0]["shape"] == [-1, 10]
        assert [m["name"] for m in c.get("/v1/models").json()["models"]] == ["mnist"]
        assert c.get("/docs").status_code == 200
        spec = c.get("/openapi.json").json()
        assert "/v1/models/{name}:predict" in spec["paths"]


def test_predict_json_matches_model(server, digit_model, digits_batch):
    with httpx.Client(base_url=server.url) as c:
        r = c.post("/v1/models/mnist:predict", json={"inputs": digits_batch.tolist(),
                                                     "top_k": 2})
        assert r.status_code == 200, r.text
        body = r.json()
    expected = digit_model.predict(digits_batch)
    np.testing.assert_allclose(np.array(body["outputs"]), expected, rtol=1e-5, atol=1e-5)
    assert len(body["predictions"]) == 5 and len(body["predictions"][0]) == 2
    assert body["predictions"][0][0]["index"] == int(expected[0].argmax())
    np.testing.assert_allclose(np.array(body["probabilities"]).sum(1), 1, rtol=1e-5)


def test_predict_single_item_and_png_upload(server):
    from PIL import Image

    img = np.zeros((28, 28), np.uint8)
    img[4:24, 13:16] = 255
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    with httpx.Client(base_url=server.url) as c:
        one = c.post("/v1/models/mnist:predict",
                     json={"inputs": np.zeros((1, 28, 28)).tolist()})
        assert one.status_code == 200 and len(one.json()["outputs"]) == 1
        up = c.post("/v1/models/mnist:predict", files={"image": ("d.png", buf.getvalue(),
                                                                 "image/png")})
        assert up.status_code == 200, up.text
        raw = c.post("/v1/models/mnist:predict", content=buf.getvalue(),
                     headers={"content-type": "image/png"})
        assert raw.json()["outputs"] == up.json()["outputs"]


@pytest.mark.parametrize("body,ctype,status,needle", [
    (b"{not json", "application/json", 400, "malformed JSON"),
    (b'{"input": []}', "application/json", 422, "missing field 'inputs'"),
    (b'{"inputs": [[1, 2], [3]]}', "application/json", 422, "inputs"),
    (b'{"inputs": "abc"}', "application/json", 422, "nested list of numbers"),
    (b'{"inputs": [["a"]]}', "application/json", 422, "nested list of numbers"),
    (json.dumps({"inputs": np.zeros((2, 3)).tolist()}).encode(), "application/json", 422,
     "expected [N, 1, 28, 28]"),
    (json.dumps({"inputs": [[[float("nan")] * 28] * 28]}).encode(), "application/json", 422,
     "NaN"),
    (b'{"inputs": [], "top_k": 0}', "application/json", 422, "top_k"),
    (b"\x89PNG garbage", "image/png", 422, "undecodable image"),
])
def test_bad_input_is_4xx_with_explanation(server, body, ctype, status, needle):
    with httpx.Client(base_url=server.url) as c:
        r = c.post("/v1/models/mnist:predict", content=body, headers={"content-type": ctype})
    assert r.status_code == status, r.text
    assert needle in r.text


def test_unknown_model_and_body_limit(server):
    with httpx.Client(base_url=server.url) as c:
        r = c.post("/v1/models/nope:predict", json={"inputs": [1]})
        assert r.status_code == 404 and "nope" in r.json()["error"]
        big = b'{"inputs": [' + b"0," * (600 * 1024) + b"0]}"
        r = c.post("/v1/models/mnist:predict", content=big,
                   headers={"content-type": "application/json"})
        assert r.status_code == 413 and "limit" in r.json()["error"]
        assert c.get("/health").status_code == 200


def _batch_hist(text):
    return {line.split('le="')[1].split('"')[0]: int(float(line.rsplit(" ", 1)[1]))
            for line in text.splitlines() if line.startswith("ember_batch_size_bucket")}


def test_dynamic_batching_groups_concurrent_requests(server, server_nobatch, digits_batch):
    one = {"inputs": digits_batch[:1].tolist()}

    def fire(url):
        with httpx.Client(base_url=url) as c:
            before = _batch_hist(c.get("/metrics").text)
            with cf.ThreadPoolExecutor(16) as ex:
                rs = list(ex.map(lambda _: httpx.post(url + "/v1/models/mnist:predict",
                                                      json=one, timeout=30), range(32)))
            assert all(r.status_code == 200 for r in rs)
            after = _batch_hist(c.get("/metrics").text)
            return {k: after[k] - before.get(k, 0) for k in after}

    batched = fire(server.url)
    single = fire(server_nobatch.url)
    assert single["1"] == single["+Inf"] == 32          # every execution had one item
    assert batched["+Inf"] < 32 and batched["1"] < batched["+Inf"] + 1  # fewer, larger runs
    assert batched["+Inf"] - batched["1"] >= 1          # at least one batch of >= 2 items


def test_metrics_prometheus_format(server):
    with httpx.Client(base_url=server.url) as c:
        c.get("/health")
        text = c.get("/metrics").text
    assert 'ember_requests_total{path="/health",method="GET",status="200"}' in text
    assert "# TYPE ember_predict_latency_seconds histogram" in text
    assert "ember_batch_size_count" in text


def test_page_served(server):
    r = httpx.get(server.url + "/")
    assert r.status_code == 200 and "<canvas" in r.text and '"mnist"' in r.text
