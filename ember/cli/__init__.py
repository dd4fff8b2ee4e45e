"""The ``ember`` command line: ``train``, ``eval``, ``predict``, ``sample``, ``run``, ``serve``.

Bad input (a missing dataset, a corrupt file, an unknown model, a checkpoint from another
architecture) ends with a one-line error and a non-zero exit, not a traceback.
"""
import argparse
import sys

__all__ = ["main"]


class CLIError(Exception):
    """An error reported to the user as one line."""


def _parser():
    p = argparse.ArgumentParser(prog="ember", description="ember: train, evaluate, sample, "
                                "serve models; run PyTorch scripts on ember.")
    sub = p.add_subparsers(dest="command", required=True)
    from . import evaluate, predict, run, sample, train

    train.add_parser(sub)
    evaluate.add_parser(sub)
    predict.add_parser(sub)
    sample.add_parser(sub)
    run.add_parser(sub)
    try:
        from ..serve import cli as serve_cli
    except ImportError:
        serve_cli = None
    if serve_cli is not None:
        serve_cli.add_parser(sub)
    return p


def main(argv=None):
    """Entry point of the ``ember`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except CLIError as e:
        print(f"ember {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ember {args.command}: interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, ValueError, OSError, KeyError) as e:
        if getattr(args, "debug", False):
            raise
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"ember {args.command}: error: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
