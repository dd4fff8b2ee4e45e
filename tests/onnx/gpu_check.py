"""Device check (not collected by pytest): export models living on CUDA (CuPy arrays) and
compare with onnxruntime (or ember.onnx.load on CPU when onnxruntime is missing).

Run on a GPU machine: ``python tests/onnx/gpu_check.py`` (the onnx package must import).
"""
import io
import sys
import time
import traceback

import numpy as np

import ember
import ember.nn as nn

try:
    import onnxruntime as ort

    def run(data, feed):
        return ort.InferenceSession(data).run(None, feed)
except ImportError:  # check with ember's own runtime on CPU
    def run(data, feed):
        return ember.onnx.load(data).run(None, feed)

MODELS = [
    ("cnn", lambda: nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                  nn.Linear(8 * 13 * 13, 10)), (2, 1, 28, 28)),
    ("lstm", lambda: nn.LSTM(6, 8, 2, batch_first=True), (2, 5, 6)),
    ("bn_gelu", lambda: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(),
                                      nn.LayerNorm(8)), (3, 4)),
]


def main():
    print("cuda available:", ember.cuda.is_available())
    ok = True
    for name, build, shape in MODELS:
        try:
            ember.manual_seed(0)
            m = build().eval()
            x_cpu = ember.randn(*shape)
            with ember.no_grad():
                ref = m(x_cpu)
            ref = (ref[0] if isinstance(ref, tuple) else ref).numpy()
            m = m.to("cuda")
            t0 = time.time()
            f = io.BytesIO()
            ember.onnx.export(m, x_cpu.to("cuda"), f, input_names=["x"],
                              dynamic_axes={"x": {0: "b"}})
            got = run(f.getvalue(), {"x": x_cpu.numpy()})[0]
            print(name, "max|diff|", float(np.abs(got - ref).max()), f"{time.time() - t0:.2f}s")
        except Exception as e:  # report every model
            ok = False
            traceback.print_exc()
            print(name, "FAIL", type(e).__name__, e)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
