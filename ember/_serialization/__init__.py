"""Internals of :mod:`ember.serialization`: PyTorch's checkpoint formats without PyTorch.

``_zip``: an aligned, uncompressed zip writer (PyTorch's ``PyTorchFileWriter`` layout).
``_pickler``: pickles ember objects under PyTorch's global names (``torch._utils
._rebuild_tensor_v2``, ``torch.FloatStorage`` ...) with storages as persistent ids.
``_globals``: the map from PyTorch's globals to ember, and the weights-only allow-list.
``_unpickler``: reads zip and legacy checkpoints back into ember tensors.
"""
