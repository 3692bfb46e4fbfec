"""The ``scensim`` command: one module per command, argument helpers in :mod:`sim.cli.args`."""

import os as _os
import sys as _sys

import sim.cli.interrupt as _interrupt

# Run as the command (the `scensim` script, or `python -m sim.cli`, whose argv[0] is "-m" while the
# package is imported): Ctrl-C during the imports below is deferred to their end, never a traceback
# (sim.cli.interrupt). Imported as a library, the process's Ctrl-C is left alone until main() runs.
if _os.path.basename(_sys.argv[0] if _sys.argv else "").startswith("scensim") or _sys.argv[:1] == ["-m"]:
    _interrupt.install()

try:
    from sim.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the command starts (importing Mesa, pandas, …): no traceback
    _sys.stderr.write(_interrupt.STARTING.text(_interrupt.argv_lang(_sys.argv[1:])) + "\n")
    raise SystemExit(130) from None
except ImportError:
    if not _interrupt.pressed():
        raise
    _sys.stderr.write(_interrupt.STARTING.text(_interrupt.argv_lang(_sys.argv[1:])) + "\n")
    raise SystemExit(130) from None

__all__ = ["main"]
