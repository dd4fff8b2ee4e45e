"""Prometheus text-format metrics: request counts, latency and batch-size histograms."""
import threading
from collections import defaultdict

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class _Histogram:
    def __init__(self, buckets):
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.sum = 0.0
        self.n = 0

    def observe(self, v):
        self.sum += v
        self.n += 1
        for i, b in enumerate(self.buckets):
            if v <= b:
                self.counts[i] += 1

    def lines(self, name, labels=""):
        out = []
        sep = "," if labels else ""
        for b, c in zip(self.buckets, self.counts):
            out.append(f'{name}_bucket{{{labels}{sep}le="{b}"}} {c}')
        out.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {self.n}')
        out.append(f"{name}_sum{{{labels}}} {self.sum}" if labels else f"{name}_sum {self.sum}")
        out.append(f"{name}_count{{{labels}}} {self.n}" if labels else f"{name}_count {self.n}")
        return out


class Metrics:
    """Thread-safe request counts and latency/batch-size histograms, in Prometheus text format."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests = defaultdict(int)  # (path, method, status) -> count
        self.latency = defaultdict(lambda: _Histogram(LATENCY_BUCKETS))  # model -> hist
        self.batch = _Histogram(BATCH_BUCKETS)

    def request(self, path, method, status):
        with self._lock:
            self.requests[(path, method, status)] += 1

    def predict_latency(self, model, seconds):
        with self._lock:
            self.latency[model].observe(seconds)

    def batch_size(self, n):
        with self._lock:
            self.batch.observe(n)

    def render(self):
        with self._lock:
            lines = ["# HELP ember_requests_total HTTP requests by path, method and status.",
                     "# TYPE ember_requests_total counter"]
            for (path, method, status), c in sorted(self.requests.items()):
                lines.append(f'ember_requests_total{{path="{path}",method="{method}",'
                             f'status="{status}"}} {c}')
            lines += ["# HELP ember_predict_latency_seconds Time to answer a predict request.",
                      "# TYPE ember_predict_latency_seconds histogram"]
            for model, h in sorted(self.latency.items()):
                lines += h.lines("ember_predict_latency_seconds", f'model="{model}"')
            lines += ["# HELP ember_batch_size Items per model execution (dynamic batching).",
                      "# TYPE ember_batch_size histogram"]
            lines += self.batch.lines("ember_batch_size")
        return "\n".join(lines) + "\n"
