"""The ``scensim`` command: one module per command, argument helpers in :mod:`sim.cli.args`."""

try:
    from sim.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the command starts (importing Mesa, pandas, …): no traceback
    import sys

    sys.stderr.write("scensim: interrupted\n")
    raise SystemExit(130) from None

__all__ = ["main"]
