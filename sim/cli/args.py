"""Argument helpers shared by every command: a parser whose usage errors are one line, and parsers of
whole numbers, seeds and shares that raise :class:`~sim.base.errors.InputError` with the flag's name."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sim.base.errors import InputError
from sim.core.model import DEFAULT_CASE as PACKAGED_CASE

DEFAULT_CASE = "scenarios/hunan_2026_2028.toml"


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line on stderr with exit status 2."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def default_case() -> str:
    """The Hunan case: ``scenarios/`` of the current folder if there is one, else the packaged copy."""
    return DEFAULT_CASE if Path(DEFAULT_CASE).exists() else str(PACKAGED_CASE)


def positive_int(name: str):
    """A parser of whole numbers ≥ 1 for the flag ``name``."""
    def parse(text):
        try:
            v = int(text)
        except (TypeError, ValueError):
            raise InputError(None, name, "expected a whole number", text) from None
        if v < 1:
            raise InputError(None, name, "must be at least 1", v)
        return v
    return parse


def seed_arg(text, name: str = "--seed") -> int:
    """A seed: a whole number ≥ 0."""
    try:
        v = int(text)
    except (TypeError, ValueError):
        raise InputError(None, name, "expected a whole number >= 0", text) from None
    if v < 0:
        raise InputError(None, name, "expected a whole number >= 0", v)
    return v


def open_share(text, name: str = "--share") -> float:
    """A share strictly between 0 and 1."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        v = math.nan
    if not 0 < v < 1:
        raise InputError(None, name, "expected a number strictly between 0 and 1", text)
    return v


def add_executor_args(p, workers_default: str | None = "1", what: str = "runs") -> None:
    """``--workers N`` and ``--scheduler ADDRESS``: every command runs its tasks on the one executor
    (:class:`~sim.engine.executor.Executor`), so they all scale the same way."""
    default = f"default {workers_default}" if workers_default else "default: one per core"
    p.add_argument("--workers", "-w", default=workers_default, metavar="N",
                   help=f"local worker processes for the {what} ({default}; results do not depend on it)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (instead of local workers)")


def executor_args(args) -> tuple[int | None, str | None]:
    """(workers, scheduler) from ``--workers`` and ``--scheduler``, checked: not both at once."""
    workers = positive_int("--workers")(args.workers) if args.workers is not None else None
    if args.scheduler is not None and workers is not None and str(args.workers) != "1":
        raise InputError(None, "--workers", "the Dask cluster's workers run the tasks; give --workers or "
                         "--scheduler, not both", workers)
    return workers, args.scheduler
