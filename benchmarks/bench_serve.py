"""Load-test `ember serve` with wrk (Debian's package) on loopback: throughput and p50/p99
latency with dynamic batching on and off.

    python benchmarks/bench_serve.py RUN_DIR [--connections 32] [--duration 15]

Starts the server twice (batching on, then off) on a free loopback port, posts one 28x28 image
per request (JSON) from wrk, and prints wrk's figures.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("%s"):read("*a")
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%f %%f %%f %%d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/ready", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def run_one(run_dir, batching, connections, duration, body_path, threads):
    port = free_port()
    args = [sys.executable, "-m", "ember", "serve", f"m={run_dir}", "--port", str(port)]
    if not batching:
        args.append("--no-batching")
    srv = subprocess.Popen(args, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(LUA % body_path)
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
                              "-s", f.name, f"{url}/v1/models/m:predict"],
                             capture_output=True, text=True, timeout=duration + 60).stdout
        line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
        n, rps, p50, p99, errors = line.split()[1:]
        with urllib.request.urlopen(url + "/metrics") as r:
            metrics = r.read().decode()
        count = [ln for ln in metrics.splitlines() if ln.startswith("ember_batch_size_count")]
        total = [ln for ln in metrics.splitlines() if ln.startswith("ember_batch_size_sum")]
        mean_batch = float(total[0].split()[-1]) / max(float(count[0].split()[-1]), 1)
        return dict(requests=int(n), rps=float(rps), p50_ms=float(p50), p99_ms=float(p99),
                    non2xx=int(errors), mean_batch=mean_batch)
    finally:
        srv.terminate()
        srv.wait(10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install wrk")
    x = np.random.default_rng(0).standard_normal((1, 28, 28)).round(3).tolist()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"inputs": x}, f)
    for batching in (True, False):
        r = run_one(args.run_dir, batching, args.connections, args.duration, f.name,
                    args.threads)
        print(f"batching {'on ' if batching else 'off'}: {r['rps']:8.1f} req/s  p50 "
              f"{r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  mean batch "
              f"{r['mean_batch']:5.1f}  ({r['requests']} requests, {r['non2xx']} non-2xx, "
              f"{args.connections} connections, {args.duration}s)", flush=True)


if __name__ == "__main__":
    main()
