"""Argument helpers shared by every command: a parser whose usage errors are one line, and parsers of
whole numbers, seeds and shares that raise :class:`~sim.base.errors.InputError` with the flag's name."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sim.base.errors import InputError
from sim.base.tomlfile import check_path, output_folder
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


# Upper bounds of counts given on the command line: each is a promise of time or memory.
MAX_COUNT = {"--replicates": 100_000, "--workers": 512, "--chunk-runs": 1_000_000, "--max-twins": 1_000_000}


def positive_int(name: str, hi: int | None = None):
    """A parser of whole numbers from 1 to ``hi`` (default ``MAX_COUNT[name]``) for the flag ``name``."""
    hi = hi if hi is not None else MAX_COUNT.get(name, 10**9)

    def parse(text):
        try:
            v = int(str(text).strip().replace("_", ""))
        except (TypeError, ValueError):
            raise InputError(None, name, f"expected a whole number from 1 to {hi:,}", text) from None
        if v < 1:
            raise InputError(None, name, "must be at least 1", v)
        if v > hi:
            raise InputError(None, name, f"must be at most {hi:,}", v)
        return v
    return parse


def seed_arg(text, name: str = "--seed") -> int:
    """A seed: a whole number from 0 to 2^63 − 1."""
    try:
        v = int(str(text).strip())
    except (TypeError, ValueError):
        raise InputError(None, name, "expected a whole number >= 0", text) from None
    if not 0 <= v < 2 ** 63:
        raise InputError(None, name, "expected a whole number from 0 to 2^63 - 1", v)
    return v


def add_path_flag(parser) -> None:
    """``--allow-outside-paths``: let ``extends`` and ``experiment.case`` name files anywhere."""
    parser.add_argument("--allow-outside-paths", action="store_true",
                        help="let a case's `extends` and an experiment's `case` name files outside the naming "
                        "file's folder tree and the project's scenarios/ (off by default)")


def input_path(text, name: str) -> Path:
    """A path given on the command line (length, NUL and control characters checked)."""
    return check_path(text, None, name, "a path")


def out_folder(text, default: Path, replaced: bool = True) -> Path:
    """The output folder: ``--out`` or ``default``, checked before work starts to be creatable and
    writable, and (``replaced``: a result set replaces it whole) to hold nothing but an earlier set."""
    from sim.base.files import check_replaceable

    out = output_folder(text if text is not None else default, "--out")
    if replaced:
        check_replaceable(out)
    return out


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
