"""``ember serve``: models over HTTP (FastAPI) and gRPC, with dynamic batching.

Optional extra: ``pip install 'ember[serve]'`` (fastapi, uvicorn, python-multipart, grpcio).
"""
from .store import ServedModel, load_model

__all__ = ["ServedModel", "load_model", "create_app"]


def create_app(*args, **kwargs):
    """The FastAPI serving app (:func:`ember.serve.app.create_app`), imported on first use."""
    from .app import create_app as _create

    return _create(*args, **kwargs)
