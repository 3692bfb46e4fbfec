"""Files that survive a crash: atomic writes, fsync, hashes, the code version.

Every result file is written to a hidden temporary name, flushed to disk and renamed into place, so a
reader never sees half a file; a set of files is written into a hidden sibling folder and swapped with
the previous set in one step by :func:`write_bundle`, so a reader never sees a mix of two sets.
:class:`Bundle` does the same for a set whose large tables arrive a replicate at a time (``scensim run``):
they go to part files in the hidden folder as they arrive and are merged when the set is committed.

Why this module is long: everything that makes a written file or set of files survive a crash lives
together — atomic files, the staged set and its one-step swap, the clean-up after a killed process,
folder locks and checksums — so that one reading shows every guarantee and how they interlock.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd

from sim.base.errors import EnvironmentFailure
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


def write_file_atomic(path: Path, content: bytes | str) -> Path:
    """Write one file so that a reader sees the old content or the new, never a part: a hidden temporary
    file beside it, flushed, then renamed over it (for a file added to an existing result set, e.g. a report)."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        write_synced(tmp, lambda p: p.write_bytes(data))
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def code_version(package: Path | None = None) -> str:
    """Package version, plus the git commit when running from a checkout, and ``.dirty`` when a file of
    the package (``sim/``, or ``package``) differs from that commit. (It looked at ``sim/base`` alone
    once this file moved there, so a changed model was recorded as clean.)"""
    here = Path(package) if package is not None else Path(__file__).resolve().parents[1]
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


# What determines a run's numbers: the model, its levers and parameters, the base utilities they use,
# and the code that runs one replicate and records its outcomes.
MODEL_CODE = ("base", "params", "levers", "core", "engine/runner.py", "engine/sweep/worker.py")


@functools.lru_cache(maxsize=1)
def model_code_sha256() -> str:
    """A hash of the source of everything that determines a run (``MODEL_CODE`` under ``sim/``): two
    checkouts with the same hash compute the same runs; a change to the docs or the report does not
    change it, a change to the model does."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for part in MODEL_CODE:
        p = root / part
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(str(f.relative_to(root)).encode("utf-8") + b"\0")
            h.update(f.read_bytes() + b"\0")
    return h.hexdigest()


def checksum_path(chunk: Path) -> Path:
    """Where a file's SHA-256 lives: a hidden file beside it (readers of the folder skip it)."""
    return chunk.with_name(f".{chunk.name}.sha256")


def checksum_problem(chunk: Path) -> str | None:
    """None if ``chunk`` matches the checksum written with it, else what is wrong."""
    from sim.base.errors import Note

    try:
        expected = checksum_path(chunk).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return Note("has no checksum beside it (written by an older version, or its checksum file was lost)",
                    "旁边没有校验和文件（由旧版本写入，或校验和文件已丢失）")
    if file_sha256(chunk) != expected:
        return Note("does not match the checksum written with it (the file changed or is corrupt on disk)",
                    "与写入时的校验和不符（文件被改动，或在磁盘上已损坏）")
    return None


@contextlib.contextmanager
def folder_lock(folder: Path, name: str, who: str, wait: bool = False, console=None, can_wait: bool = True,
                lang: str = "en"):
    """Hold an advisory ``flock`` on ``folder/name`` (the kernel releases it when the process ends, even
    on ``kill -9``). If another process holds it: :class:`InputError` naming its pid — or, with
    ``wait``, wait for it (saying so on ``console``, in ``lang``). Creates ``folder`` if needed. Local
    file systems only (not across NFS). ``who`` may be a :class:`~sim.base.errors.Note`."""
    import fcntl

    from sim.base.errors import InputError, Note, in_lang

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            for attempt in range(10):  # a reader's brief probe (lock_holder) is not a writer: try again
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if attempt == 9:
                        raise
                    time.sleep(0.05)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            if not wait:
                raise InputError(folder, None, Note(
                    f"{who} (process {holder}) is writing into this folder; wait for it to finish, "
                    f"{'pass --wait to wait, ' if can_wait else ''}or give another --out folder",
                    f"{in_lang(who, 'zh')}（进程 {holder}）正在写入该文件夹；请等它结束、"
                    f"{'加 --wait 等待，' if can_wait else ''}或另给一个 --out 文件夹")) from None
            if console is not None:
                console.print(in_lang(Note(f"waiting for process {holder}, which is writing into {folder} …",
                                           f"进程 {holder} 正在写入 {folder}，等它结束 …"), lang),
                              highlight=False, markup=False)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def lock_holder(folder: Path, name: str) -> str | None:
    """The pid written in ``folder/name`` if another process holds its :func:`folder_lock`, else None.
    Reads only (the lock file is not created)."""
    import fcntl

    try:
        fd = os.open(Path(folder) / name, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
    except OSError:
        return None
    finally:
        os.close(fd)  # releases the shared lock if it was taken
    return None


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_into(out: Path, tables: dict[str, pd.DataFrame], files: dict[str, object] | None = None,
                manifest_doc: dict | None = None, csv: bool | None = True) -> Path:
    """Add tables and files to folder ``out`` without replacing it (it also holds data of its own, e.g.
    the sweeps of a sensitivity analysis): the set is written into a hidden sub-folder, then each file is
    moved into place atomically, the manifest last — a reader never sees a half-written file."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise EnvironmentFailure(out, "cannot create the output folder", e) from None
    stage = out / f".stage-{os.getpid()}"
    write_bundle(stage, tables, files, manifest_doc, csv=csv)
    try:
        names = sorted((p.relative_to(stage) for p in stage.rglob("*") if p.is_file()),
                       key=lambda n: str(n) == "manifest.json")
        for n in names:
            (out / n).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / n, out / n)
        for d in sorted({(out / n).parent for n in names}):
            fsync_dir(d)
    except OSError as e:
        raise EnvironmentFailure(out, "could not write the results", e) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return out


def write_bundle(out: Path, tables: dict[str, pd.DataFrame], files: dict[str, object] | None = None,
                 manifest_doc: dict | None = None, csv: bool | None = True) -> Path:
    """Write tables (Parquet, and CSV as :func:`table_formats` says), other files and the manifest as one
    set that replaces ``out``.

    ``files`` maps a relative name to bytes/str, or to a function ``write(path)``. The set is written
    into a hidden sibling folder ``.<name>.tmp-<pid>`` and swapped with ``out`` in one step
    (:func:`replace_folder`), so a reader sees the old set or the new one, never a mix. An existing
    ``out`` must be an earlier set (it holds ``manifest.json``) or empty: other files are never
    deleted. A write error (disk full, file too large) raises :class:`EnvironmentFailure` and leaves
    ``out`` as it was. (:class:`Bundle` does the same for a set whose large tables arrive in parts.)
    """
    with Bundle(out, csv=csv) as b:
        b.commit(tables, files, manifest_doc)
    return Path(out)


PARTS = ".parts"  # sub-folder of a bundle's hidden folder holding the parts of tables (never in the final set)


class Bundle:
    """A result set being written: tables that arrive in parts (a replicate at a time) go to disk as they
    arrive, so memory does not grow with their number; :meth:`commit` merges them, in the order of their
    index, with the other tables, files and manifest, and swaps the set with ``out`` in one step — as
    :func:`write_bundle` does. Everything lives in the hidden sibling folder ``.<name>.tmp-<pid>`` until
    then: an error, Ctrl-C or leaving the ``with`` block without committing deletes it (a ``kill -9``
    leaves it for the next run's :func:`clean_stale`), and ``out`` stays as it was.

        with Bundle(out, csv=None) as b:
            for r, df in enumerate(parts):
                b.add_part("series", r, df)
            b.commit({"runs": runs}, files, manifest)

    A table's merged file holds its parts in index order, one Parquet row group per part; its columns and
    types are those of the parts (the same as ``pd.concat`` of them would have). Parts whose types differ
    (a column typed differently in one part) are merged through ``pd.concat`` in memory instead, so the
    result is still what writing the concatenation gives.
    """

    def __init__(self, out: Path, csv: bool | None = True):
        self.out = Path(out)
        self.csv = csv
        parent, name = self.out.absolute().parent, self.out.absolute().name
        check_replaceable(self.out)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            clean_stale(parent, name)
            self.tmp = parent / f".{name}.tmp-{os.getpid()}"
            if self.tmp.exists():
                shutil.rmtree(self.tmp)
            self.tmp.mkdir()
        except OSError as e:
            raise EnvironmentFailure(self.out, "cannot create the output folder", e) from None
        self._parts: dict[str, dict[int, Path]] = {}
        self._open = True

    def __repr__(self) -> str:
        return f"Bundle({self.out}, parts={ {k: len(v) for k, v in self._parts.items()} })"

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, exc_type, exc, tb):
        self.abort()
        return False

    def abort(self) -> None:
        """Delete everything written so far (nothing if already committed)."""
        if self._open:
            self._open = False
            shutil.rmtree(self.tmp, ignore_errors=True)

    def parts(self, table: str) -> list[int]:
        """Indices of the parts of ``table`` written so far, in order."""
        return sorted(self._parts.get(table, {}))

    def add_part(self, table: str, index: int, df: pd.DataFrame) -> None:
        """Write part ``index`` of ``table`` (Parquet; also CSV rows if the table is written as CSV)."""
        folder = self.tmp / PARTS / table
        path = folder / f"{int(index):09d}.parquet"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            df.to_parquet(path, index=False, engine="pyarrow")
            if "csv" in table_formats(table, self.csv):
                df.to_csv(path.with_suffix(".csv"), index=False, header=False)
                if not self._parts.get(table):
                    (folder / "header.csv").write_text(df.iloc[:0].to_csv(index=False), encoding="utf-8")
        except OSError as e:
            self.abort()
            raise EnvironmentFailure(self.out, "could not write the results (nothing was replaced)", e) from None
        self._parts.setdefault(table, {})[int(index)] = path

    def _merge(self, table: str) -> None:
        """``<table>.parquet`` (and ``.csv``) from its parts, in index order, one part in memory at a time."""
        import pyarrow.parquet as pq

        paths = [self._parts[table][i] for i in sorted(self._parts[table])]
        schemas = [pq.read_schema(p) for p in paths]
        want_csv = "csv" in table_formats(table, self.csv)
        if any(not s.equals(schemas[0], check_metadata=True) for s in schemas[1:]):
            df = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)  # types differ: as pd.concat does
            write_synced(self.tmp / f"{table}.parquet", lambda p: df.to_parquet(p, index=False, engine="pyarrow"))
            if want_csv:
                write_synced(self.tmp / f"{table}.csv", lambda p: df.to_csv(p, index=False))
            return

        def parquet(target):
            with pq.ParquetWriter(target, schemas[0]) as w:
                for p in paths:
                    w.write_table(pq.read_table(p))
        write_synced(self.tmp / f"{table}.parquet", parquet)
        if want_csv:
            def csv(target):
                with open(target, "wb") as f:
                    for src in [paths[0].parent / "header.csv"] + [p.with_suffix(".csv") for p in paths]:
                        with open(src, "rb") as g:
                            shutil.copyfileobj(g, f, 1 << 20)
            write_synced(self.tmp / f"{table}.csv", csv)

    def commit(self, tables: dict[str, pd.DataFrame], files: dict[str, object] | None = None,
               manifest_doc: dict | None = None) -> Path:
        """Merge the parts, write ``tables``, ``files`` and the manifest, and swap the set with ``out``."""
        tmp, out = self.tmp, self.out
        try:
            for tname in self._parts:
                self._merge(tname)
            shutil.rmtree(tmp / PARTS, ignore_errors=True)
            for tname, df in tables.items():
                write_synced(tmp / f"{tname}.parquet", lambda p, df=df: df.to_parquet(p, index=False, engine="pyarrow"))
                if "csv" in table_formats(tname, self.csv):
                    write_synced(tmp / f"{tname}.csv", lambda p, df=df: df.to_csv(p, index=False))
            for fname, content in (files or {}).items():
                target = tmp / fname
                target.parent.mkdir(parents=True, exist_ok=True)
                if callable(content):
                    writer = content
                elif isinstance(content, bytes):
                    writer = lambda p, c=content: p.write_bytes(c)  # noqa: E731
                else:
                    writer = lambda p, c=content: p.write_text(c, encoding="utf-8")  # noqa: E731
                write_synced(target, writer)
            if manifest_doc is not None:
                write_synced(tmp / "manifest.json",
                             lambda p: p.write_text(json.dumps(manifest_doc, ensure_ascii=False, indent=2) + "\n",
                                                    encoding="utf-8"))
            for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
                fsync_dir(d)
            replace_folder(tmp, out.absolute())
            self._open = False
        except OSError as e:
            self.abort()
            raise EnvironmentFailure(out, "could not write the results (nothing was replaced)", e) from None
        except BaseException:
            self.abort()
            raise
        return out


# -- replacing a folder in one step ------------------------------------------------------------------
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # this file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_folder(new: Path, out: Path) -> None:
    """Put folder ``new`` in the place of ``out`` in one step and delete the old set.

    On Linux the two folders are exchanged atomically; elsewhere ``out`` is first renamed aside
    (``.<name>.old-<pid>``), then ``new`` renamed into place — a reader may then find no folder for an
    instant but never a mix, and :func:`clean_stale` puts the old set back if the process died in
    between."""
    parent = out.parent
    if not out.exists():
        os.rename(new, out)
        fsync_dir(parent)
        return
    if _exchange(new, out):
        fsync_dir(parent)
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old set
        return
    old = parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    os.rename(new, out)
    fsync_dir(parent)
    shutil.rmtree(old, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<what>tmp|old)-(?P<pid>\d+)$")


def clean_stale(parent: Path, name: str) -> list[str]:
    """Remove the temporary folders dead processes left beside ``parent/name`` (a killed run); if a
    killed run had set the old results aside and not yet put the new ones in place, put them back.
    Returns what was done, for the user."""
    done = []
    legacy = parent / name
    for p in sorted(parent.iterdir()) if parent.is_dir() else []:
        m = _STALE.match(p.name)
        if not m or m["name"] != name or pid_alive(int(m["pid"])):
            continue
        if m["what"] == "old" and not (parent / name).exists():
            os.rename(p, parent / name)
            done.append(f"restored {parent / name} from {p.name} (a run was killed while replacing it)")
        else:
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed {p} (left by a killed run)")
    if legacy.is_dir():  # earlier versions wrote into ``out/.tmp-<pid>``
        for p in legacy.glob(".tmp-*"):
            if p.name[5:].isdigit() and not pid_alive(int(p.name[5:])):
                shutil.rmtree(p, ignore_errors=True)
                done.append(f"removed {p} (left by a killed run)")
    return done


def check_replaceable(out: Path) -> None:
    """``out`` will be replaced whole: refuse a folder holding anything but an earlier result set."""
    from sim.base.errors import InputError

    if out.exists() and not out.is_dir():
        raise InputError(None, "--out", "must be a folder, and this is a file", str(out))
    if out.is_dir() and not (out / "manifest.json").exists():
        visible = [p.name for p in out.iterdir() if not p.name.startswith(".")]
        if visible:
            raise InputError(None, "--out", "holds files that are not a result set of this tool (no "
                             "manifest.json); it would be replaced whole: give a new or empty folder", str(out))
