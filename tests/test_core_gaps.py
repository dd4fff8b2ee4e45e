"""Small parity items of the core issue found by probing against PyTorch."""
import pytest
import torch

import ember


@pytest.mark.parametrize("attr", ["mT", "mH", "H"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_matrix_transpose_properties_match_torch(attr, shape):
    outcomes = []
    for lib in (ember, torch):
        x = lib.ones(*shape) if shape else lib.tensor(1.0)
        try:
            outcomes.append(tuple(getattr(x, attr).shape))
        except RuntimeError as e:
            outcomes.append(str(e))
    assert outcomes[0] == outcomes[1]
