"""Files that survive a crash: atomic writes, fsync, hashes, the code version.

Every result file is written to a hidden temporary name, flushed to disk and renamed into place, so a
reader never sees half a file; a set of files is written together by :func:`write_bundle`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd

from sim.base.version import __version__

TABLE_FORMATS = ("parquet", "csv")
# Per-replicate tables that grow with replicates (a 50-replicate Hunan run's series is ~84 MB as CSV):
# written as Parquet only, unless CSV is asked for (``scensim run --csv``).
LARGE_TABLES = ("series", "scenarios", "fiscal_ledger")


def table_formats(name: str, csv: bool | None = None) -> tuple[str, ...]:
    """The formats table ``name`` is written in: Parquet always; CSV if ``csv`` is true, or by default
    (``csv=None``) for every table but the large per-replicate ones."""
    want_csv = csv if csv is not None else name not in LARGE_TABLES
    return TABLE_FORMATS if want_csv else ("parquet",)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_synced(path: Path, write) -> None:
    write(path)
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def code_version() -> str:
    """Package version, plus the git commit when running from a checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", str(here)],
                               capture_output=True, text=True, timeout=5)
        if out.returncode == 0:
            return f"{__version__}+g{out.stdout.strip()}{'.dirty' if dirty.stdout.strip() else ''}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_bundle(out: Path, tables: dict[str, pd.DataFrame], files: dict[str, object] | None = None,
                 manifest_doc: dict | None = None, csv: bool | None = True) -> Path:
    """Write tables (Parquet, and CSV as :func:`table_formats` says) and other files atomically into
    ``out``; the manifest last.

    ``files`` maps a relative name to bytes/str, or to a function ``write(path)``.
    """
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        names: list[str] = []
        for name, df in tables.items():
            write_synced(tmp / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False, engine="pyarrow"))
            names.append(f"{name}.parquet")
            if "csv" in table_formats(name, csv):
                write_synced(tmp / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False))
                names.append(f"{name}.csv")
        for name, content in (files or {}).items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                writer = content
            elif isinstance(content, bytes):
                writer = lambda p, c=content: p.write_bytes(c)  # noqa: E731
            else:
                writer = lambda p, c=content: p.write_text(c, encoding="utf-8")  # noqa: E731
            write_synced(target, writer)
            names.append(name)
        if manifest_doc is not None:
            write_synced(tmp / "manifest.json",
                        lambda p: p.write_text(json.dumps(manifest_doc, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8"))
            names.append("manifest.json")  # last: its presence means the set is complete
        for sub in sorted({str(Path(n).parent) for n in names} - {"."}):
            (out / sub).mkdir(parents=True, exist_ok=True)
        for n in names:
            os.replace(tmp / n, out / n)
        for d in sorted({out / Path(n).parent for n in names}):
            fsync_dir(d)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
