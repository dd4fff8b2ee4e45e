"""Thousands of fuzzed requests: never a 5xx, and the server keeps answering /health."""
import json

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=6),
                                                                     children, max_size=4),
    max_leaves=30)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(["inputs", "top_k", "x"]), json_values, max_size=3)
    .map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
)
ctypes = st.sampled_from(["application/json", "image/png", "multipart/form-data",
                          "text/plain", ""])
paths = st.sampled_from(["/v1/models/mnist:predict", "/v1/models/x:predict",
                         "/v1/models/mnist", "/v1/models/%00:predict"])


def test_fuzzed_requests_never_5xx(server):
    client = httpx.Client(base_url=server.url, timeout=30)
    seen = []

    @settings(max_examples=1500, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies, ctype=ctypes, path=paths)
    def one(body, ctype, path):
        headers = {"content-type": ctype} if ctype else {}
        r = client.post(path, content=body, headers=headers)
        seen.append(r.status_code)
        assert r.status_code < 500, (path, body[:200], ctype, r.status_code, r.text)
        if r.status_code >= 400:
            assert "error" in r.json()

    one()
    assert len(seen) >= 1500
    assert client.get("/health").json() == {"status": "ok"}
    client.close()
