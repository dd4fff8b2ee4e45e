"""benchmarks/profile_gaps.py times ember's ConvTranspose2d in pieces: the pieces must compose to
the op itself (else the profile would time something else)."""
import os
import sys

import numpy as np
import torch

import ember

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
from profile_gaps import convt_pieces_of  # noqa: E402


def test_convtranspose_pieces_compose_to_the_op_and_match_torch():
    rng = np.random.default_rng(3)
    y = rng.standard_normal((64, 128, 7, 7)).astype(np.float32)
    w = rng.standard_normal((128, 64, 4, 4)).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    out = None
    for _, f in convt_pieces_of(y, w, b):
        out = f(out)
    op = ember.nn.functional.conv_transpose2d(ember.tensor(y), ember.tensor(w), ember.tensor(b),
                                              stride=2, padding=1).numpy()
    np.testing.assert_array_equal(out, op)
    ref = torch.nn.functional.conv_transpose2d(torch.tensor(y), torch.tensor(w), torch.tensor(b),
                                               stride=2, padding=1).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-3)
