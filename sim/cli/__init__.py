"""The ``scensim`` command: one module per command, argument helpers in :mod:`sim.cli.args`."""

from sim.cli.main import main

__all__ = ["main"]
