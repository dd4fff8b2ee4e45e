"""The HTTP API (FastAPI): predict, model metadata, health, readiness, Prometheus metrics, and
a digit-drawing page at ``/``.

Bad input never takes the server down and never gets a 500: malformed JSON, wrong shapes or
dtypes, NaN, missing fields, undecodable images get a 4xx JSON error saying what was wrong and
what was expected; bodies over the size limit get 413.
"""
import io
import json
import time

import numpy as np

from .batching import DynamicBatcher
from .metrics import Metrics
from .store import ModelInputError

PREDICT_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {
                "type": "object", "required": ["inputs"],
                "properties": {
                    "inputs": {"description": "Nested list of numbers: one item of the model's "
                               "input shape, or a batch [N, ...].", "type": "array",
                               "items": {}},
                    "top_k": {"type": "integer", "minimum": 1, "maximum": 100},
                }}},
            "multipart/form-data": {"schema": {
                "type": "object", "properties": {"image": {"type": "string",
                                                           "format": "binary"}}}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    "responses": {"400": {"description": "Malformed request"},
                  "404": {"description": "Unknown model"},
                  "413": {"description": "Body too large"},
                  "422": {"description": "Inputs of the wrong shape, dtype or values"}},
}


class APIError(Exception):
    """An HTTP error with a status, a message and, optionally, what was expected."""

    def __init__(self, status, message, expected=None):
        super().__init__(message)
        self.status, self.message, self.expected = status, message, expected


def create_app(models, batching=True, window_ms=5.0, max_batch=64, max_body_bytes=4 << 20,
               top_k=3):
    """A FastAPI app serving ``models`` (a dict name -> ServedModel)."""
    import contextlib

    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    metrics = Metrics()
    batchers = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        for b in batchers.values():
            await b.stop()

    app = FastAPI(title="ember serve", version="1", description="Models trained with ember.",
                  lifespan=lifespan)
    app.state.models, app.state.metrics = models, metrics

    def batcher(m):
        b = batchers.get(m.name)
        if b is None:
            b = batchers[m.name] = DynamicBatcher(m, window_ms, max_batch, metrics.batch_size)
        return b

    def error(status, message, expected=None):
        body = {"error": message}
        if expected is not None:
            body["expected"] = expected
        return JSONResponse(body, status_code=status)

    @app.exception_handler(APIError)
    async def _api_error(request, exc):
        return error(exc.status, exc.message, exc.expected)

    @app.exception_handler(RequestValidationError)
    async def _validation(request, exc):
        return error(422, "invalid request", [str(e.get("msg")) for e in exc.errors()][:5])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc):
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request, exc):  # a bug must not look like a crash to clients
        return error(400, f"request could not be processed: {type(exc).__name__}: {exc}")

    @app.middleware("http")
    async def _limits_and_metrics(request, call_next):
        length = request.headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > max_body_bytes
            except ValueError:
                return error(400, "invalid Content-Length header")
            if too_big:  # refused before routing: counted under the raw path
                metrics.request(request.url.path, request.method, 413)
                return error(413, f"request body of {length} bytes is over the limit of "
                                  f"{max_body_bytes} bytes")
        response = await call_next(request)
        route = request.scope.get("route")
        path = route.path if route is not None else "unmatched"
        metrics.request(path, request.method, response.status_code)
        return response

    @app.get("/health")
    async def health():
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready")
    async def ready():
        """Readiness: models are loaded."""
        if not models:
            return error(503, "no model loaded")
        return {"status": "ready", "models": sorted(models)}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def prometheus():
        """Request counts, predict latencies and batch sizes (Prometheus text format)."""
        return PlainTextResponse(metrics.render(),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/v1/models")
    async def list_models():
        return {"models": [m.metadata() for m in models.values()]}

    @app.get("/v1/models/{name}")
    async def model_metadata(name: str):
        return _get(models, name).metadata()

    @app.post("/v1/models/{name}:predict", openapi_extra=PREDICT_SCHEMA)
    async def predict(name: str, request: Request):
        """Run the model on JSON ``{"inputs": [...]}`` or an uploaded PNG image."""
        m = _get(models, name)
        t0 = time.perf_counter()
        batch, k = await _parse(request, m, max_body_bytes, top_k)
        if batching:
            out = await batcher(m).submit(batch)
        else:
            import asyncio

            out = await asyncio.get_running_loop().run_in_executor(None, m.predict, batch)
            metrics.batch_size(len(batch))
        metrics.predict_latency(m.name, time.perf_counter() - t0)
        body = {"model": m.name, "outputs": out.tolist()}
        tk = m.topk(out, k)
        if tk is not None:
            body["predictions"], probs = tk
            body["probabilities"] = probs.tolist()
        return body

    @app.get("/", response_class=HTMLResponse)
    async def page():
        from .page import PAGE

        first = next(iter(models.values()), None)
        model_name = next((n for n, m in models.items() if m.image and m.classes), None)
        if model_name is None and first is not None:
            model_name = first.name
        return HTMLResponse(PAGE.replace("__MODEL__", json.dumps(model_name or "")))

    return app


def _get(models, name):
    m = models.get(name)
    if m is None:
        raise APIError(404, f"model '{name}' not found", sorted(models))
    return m


async def _parse(request, m, max_body, default_k):
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > max_body:
        raise APIError(413, f"request body of {len(body)} bytes is over the limit of "
                            f"{max_body} bytes")
    if ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("image") or form.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise APIError(422, "multipart body has no file field 'image'",
                           "a PNG file in the form field 'image'")
        return _image_batch(m, await upload.read()), default_k
    if ctype.startswith("image/"):
        return _image_batch(m, body), default_k
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise APIError(400, f"malformed JSON: {e}", '{"inputs": [...]}') from None
    if not isinstance(data, dict) or "inputs" not in data:
        raise APIError(422, "missing field 'inputs'", '{"inputs": [...]}')
    k = data.get("top_k", default_k)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 100:
        raise APIError(422, f"top_k must be an integer in [1, 100], got {k!r}")
    inputs = data["inputs"]
    if not isinstance(inputs, list) or not _numeric_nested(inputs):
        raise APIError(422, "inputs must be a nested list of numbers",
                       f"shape [N, {', '.join(map(str, m.input_shape))}]")
    try:
        return m.validate(inputs), k
    except ModelInputError as e:
        raise APIError(422, str(e), [-1, *m.input_shape]) from None


def _numeric_nested(x, depth=0):
    if depth > 8:
        return False
    if isinstance(x, list):
        return all(_numeric_nested(v, depth + 1) for v in x)
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _image_batch(m, raw):
    if not m.image:
        raise APIError(422, f"model '{m.name}' does not take images",
                       f"JSON inputs of shape [N, {', '.join(map(str, m.input_shape))}]")
    try:
        from PIL import Image

        img = Image.open(io.BytesIO(raw))
        img.load()
        img = img.convert("L")
    except Exception as e:
        raise APIError(422, f"undecodable image: {type(e).__name__}",
                       "a PNG or JPEG image") from None
    size = m.input_shape[-1]
    if img.size != (size, size):
        img = img.resize((size, size), Image.BILINEAR)
    arr = np.asarray(img, dtype=np.float32) / np.float32(255)
    if arr.mean() > 0.5:  # dark strokes on a light background: MNIST is white on black
        arr = 1 - arr
    if m.normalise is not None:
        mean, std = m.normalise
        arr = (arr - np.float32(mean)) / np.float32(std)
    return arr.reshape((1,) + m.input_shape).astype(np.float32)
