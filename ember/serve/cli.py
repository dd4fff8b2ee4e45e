"""``ember serve MODEL [MODEL ...] --port 8000 --host 127.0.0.1 [--grpc-port N]``."""
from ..cli import CLIError


def add_parser(sub):
    p = sub.add_parser("serve", help="serve models over HTTP (and gRPC)")
    p.add_argument("models", nargs="+", help="run directories, checkpoints or .onnx files "
                   "(NAME=PATH to choose the URL name)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--grpc-port", type=int, default=None)
    p.add_argument("--no-batching", action="store_true", help="run each request alone")
    p.add_argument("--batch-window-ms", type=float, default=5.0)
    p.add_argument("--max-batch", type=int, default=64)
    p.add_argument("--max-body-bytes", type=int, default=4 << 20)
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=run)


def load_models(specs):
    from .store import load_model

    models = {}
    for spec in specs:
        name, _, path = spec.rpartition("=") if "=" in spec else (None, "", spec)
        try:
            m = load_model(path, name or None)
        except ImportError as e:
            raise CLIError(f"cannot load {path}: {e}") from None
        models[m.name] = m
    return models


def run(args):
    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        raise CLIError(f"serving needs the 'serve' extra: pip install 'ember[serve]' ({e})") \
            from None
    models = load_models(args.models)
    app = create_app(models, batching=not args.no_batching, window_ms=args.batch_window_ms,
                     max_batch=args.max_batch, max_body_bytes=args.max_body_bytes)
    grpc_server = None
    if args.grpc_port is not None:
        from .grpc_server import start_grpc_server

        grpc_server, port = start_grpc_server(models, args.grpc_port, args.host)
        print(f"gRPC on {args.host}:{port}", flush=True)
    print(f"serving {', '.join(models)} on http://{args.host}:{args.port}", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        if grpc_server is not None:
            grpc_server.stop(0)
    return 0
