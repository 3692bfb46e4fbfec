"""A sweep's output folder: manifest, design, and the runs table as atomically written Parquet chunks.

Layout of ``results/<experiment id>/``::

    manifest.json          spec (text, sha256, identity), case (path, sha256), code version, parameters,
                           design, outcome columns, target thresholds — written first, once
    design.parquet         one row per design point: point, (policy, scenario), varied parameters
    runs/part-000000.parquet, part-000001.parquet, …
                           one row per finished run: point, replicate, seed, varied parameters, outcomes
    series/part-000000.parquet, …   (only if the spec keeps series) monthly series of the same runs
    summary.parquet, summary.csv    written by ``scensim summarize``

Beside each chunk, ``.part-N.parquet.sha256`` holds the SHA-256 of its bytes, written before the chunk
is moved into place; a resume (and ``scensim summarize``) sets aside a chunk that does not match its
checksum. While a sweep writes, it holds an advisory lock on ``.lock``: a second process on the same
folder refuses (or waits, ``--wait``).

Every chunk is written to a hidden temporary name in its folder, flushed and fsynced, then moved to a
new zero-padded name with ``os.replace`` and the folder fsynced: a chunk under a final name is always
complete. ``runs/part-N`` and ``series/part-N`` hold the same runs; the runs chunk is written last, so
a series chunk without its runs chunk is a leftover of an interrupted write and is set aside.
Every chunk has the same explicit schema (``runs_schema``), so ``pd.read_parquet(folder / "runs")``
reads them all (it skips names starting with ``.`` or ``_``, which is where set-aside chunks go).

Why this module is long: the folder's layout, its identity check, the scan that sets bad chunks aside
and the writes all follow one format and belong together; the notes it leaves for the user are
written in English and Chinese (``scensim sweep --lang``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.base.errors import EnvironmentFailure, InputError, Note, in_lang
from sim.base.files import (checksum_path, checksum_problem, code_version, file_sha256, folder_lock, fsync_dir,
                            write_synced)
from sim.engine.sweep.spec import ExperimentSpec, is_met_column, target_rows

MANIFEST = "manifest.json"
LOCK = ".lock"
DESIGN = "design.parquet"
RUNS, SERIES = "runs", "series"
CHUNK_RE = re.compile(r"^part-(\d{6})\.parquet$")
_ARROW_TYPE = {float: pa.float64(), int: pa.int64(), bool: pa.bool_()}


def runs_schema(spec: ExperimentSpec) -> pa.Schema:
    """The one schema of every runs chunk: keys, seed, varied parameters, kept outcomes."""
    fields = [pa.field("point", pa.int64(), nullable=False), pa.field("replicate", pa.int64(), nullable=False),
              pa.field("seed", pa.int64(), nullable=False)]
    fields += [pa.field(f.name, _ARROW_TYPE[f.dtype], nullable=False) for f in spec.factors]
    fields += [pa.field(c, pa.bool_() if is_met_column(c) else pa.float64()) for c in spec.outcome_columns]
    return pa.schema(fields, metadata={"experiment": spec.id, "identity_sha256": spec.identity_sha256()})


def series_schema(spec: ExperimentSpec) -> pa.Schema | None:
    """The schema of series chunks (None if the spec does not keep series)."""
    if not spec.series:
        return None
    return pa.schema([("point", pa.int64()), ("replicate", pa.int64()), ("seed", pa.int64()),
                      ("month", pa.string()), ("year", pa.int64()), ("metric", pa.string()), ("kind", pa.string()),
                      ("breakdown", pa.string()), ("group", pa.string()), ("value", pa.int64())])


def write_atomic(path: Path, write, checksum: bool = False) -> None:
    """Write ``path`` via a hidden temporary name in the same folder (``write(tmp_path)``), fsync it,
    move it into place and fsync the folder. On any error the temporary file is removed. With
    ``checksum``, the file's SHA-256 is written first beside it (:func:`checksum_path`)."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        write_synced(tmp, write)
        if checksum:
            digest = file_sha256(tmp)
            write_atomic(checksum_path(path), lambda p: p.write_text(digest + "\n", encoding="ascii"))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _national_manifest(spec: ExperimentSpec) -> dict:
    """A sweep of a national case: the region kept (whose case file names the targets) and the flows."""
    case = spec.case
    return {"national_case_id": spec.national.id, "region": spec.region, "region_case_file": case.path,
            "region_case_file_abs": str(Path(case.path).resolve()) if case.path else None,
            "flows": {k: v.value for k, v in spec.national.flows.items()}}


def chunk_name(number: int) -> str:
    return f"part-{number:06d}.parquet"


@dataclass
class ScanReport:
    """What was found in an existing folder: finished runs, the next chunk number, notes for the user."""

    done: np.ndarray  # bool [points, replicates]
    next_chunk: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def n_done(self) -> int:
        return int(self.done.sum())


class SweepFolder:
    """The output folder of one experiment (see the module docstring)."""

    def __init__(self, out: Path, spec: ExperimentSpec, n_points: int):
        self.out = Path(out)
        self.spec = spec
        self.n_points = n_points
        self.schema = runs_schema(spec)
        self.series_schema = series_schema(spec)
        self.next_chunk = 0

    def __repr__(self) -> str:
        return f"SweepFolder({str(self.out)!r}, {self.spec.id!r})"

    @property
    def runs_dir(self) -> Path:
        return self.out / RUNS

    @property
    def series_dir(self) -> Path:
        return self.out / SERIES

    # -- identity ---------------------------------------------------------------------------------
    def check(self) -> dict | None:
        """Refuse a folder that holds another experiment (or is not a sweep folder). Writes nothing.
        Returns the existing manifest, or None for a new or empty folder."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise InputError(out, None, "--out must be a folder, and this is a file")
        if not out.exists() or all(p.name.startswith(".") for p in out.iterdir()):
            return None  # new, empty, or holding only leftovers of an interrupted start
        man_path = out / MANIFEST
        if not man_path.exists():
            raise InputError(out, None, "is not empty and holds no sweep manifest.json; give an empty or new --out folder")
        try:
            man = json.loads(man_path.read_text(encoding="utf-8"))
            theirs = man["identity_sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(man_path, None, "unreadable sweep manifest; give another --out folder") from None
        if theirs != self.spec.identity_sha256():
            what = self._difference(man)
            raise InputError(out, None, f"holds the results of a different experiment ({man.get('spec_file', '?')}, "
                             f"{what}); resume only with the same spec, case and model code, or give another "
                             "--out folder")
        return man

    def _difference(self, man: dict) -> str:
        """What changed, in words: top-level parts, and inside the case its sections and parameters."""
        ours = self.spec.identity()
        theirs = man.get("identity", {}) if isinstance(man.get("identity"), dict) else {}

        def same(a, b):
            return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)

        changed = []
        for k in ours:
            if same(ours[k], theirs.get(k)):
                continue
            if k == "model_code":
                changed.append("the model's code (model_code)")
            elif k == "case" and isinstance(theirs.get(k), dict):
                for sec, v in ours[k].items():
                    old = theirs[k].get(sec)
                    if same(v, old):
                        continue
                    if sec == "parameters" and isinstance(old, dict):
                        names = [n for n in v if not same(v[n], old.get(n))]
                        changed.append("case parameters " + ", ".join(names[:3]) + (" …" if len(names) > 3 else ""))
                    else:
                        changed.append(f"case {sec}")
            else:
                changed.append(k)
        return "differs in " + "; ".join(changed) if changed else "a different identity"

    def create(self, design, manifest_extra: dict) -> None:
        """Write the manifest and the design table of a new sweep (atomically). The manifest comes
        first, before any other visible entry: a second sweep started meanwhile then sees a sweep
        folder (and is told another sweep is writing it), never a non-empty folder without one."""
        man = self.manifest(manifest_extra)  # slow (it asks git for the code version): before any entry
        self.out.mkdir(parents=True, exist_ok=True)
        write_atomic(self.out / MANIFEST, lambda p: p.write_text(json.dumps(man, ensure_ascii=False, indent=2) + "\n",
                                                                 encoding="utf-8"))
        self.write_design(design)

    def write_design(self, design) -> None:
        """The chunk folders and the design table (again, if a start was interrupted before it)."""
        self.runs_dir.mkdir(exist_ok=True)
        if self.series_schema is not None:
            self.series_dir.mkdir(exist_ok=True)
        write_atomic(self.out / DESIGN, lambda p: pq.write_table(pa.Table.from_pandas(design, preserve_index=False), p))

    def manifest(self, extra: dict) -> dict:
        spec = self.spec
        case_file = Path(spec.case_path)
        import dask
        import mesa
        import pandas as pd

        return {
            "experiment": spec.id,
            "description": spec.description,
            "spec_file": spec.path,
            "spec_sha256": spec.text_sha256,
            "spec_text": spec.text,
            "identity_sha256": spec.identity_sha256(),
            "identity": spec.identity(),
            "case_file": str(case_file),
            "case_sha256": file_sha256(case_file),
            "case_id": spec.case.id,
            "code_version": code_version(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "versions": {"python": platform.python_version(), "mesa": mesa.__version__, "numpy": np.__version__,
                         "pandas": pd.__version__, "pyarrow": pa.__version__, "dask": dask.__version__},
            "seed": spec.seed,
            "replicates": spec.replicates,
            "points": self.n_points,
            "runs": self.n_points * spec.replicates,
            "run_seed": ("sim.run_seed(seed, replicate)  # common random numbers: the same for every point"
                         if spec.common_random_numbers else "sim.run_seed(seed, point, replicate)"),
            "common_random_numbers": spec.common_random_numbers,
            "design": spec.design.as_dict(),
            "varied": [f.name for f in spec.factors],
            "fixed": spec.fixed,
            "parameters": {k: v.value for k, v in spec.case.params.items()},
            "outcome_columns": list(spec.outcome_columns),
            "series": spec.series,
            "targets": target_rows(spec.case),
            **(_national_manifest(spec) if spec.national is not None else {}),
            **extra,
        }

    # -- one writer at a time ---------------------------------------------------------------------
    def lock(self, wait: bool = False, console=None, lang: str = "en"):
        """Hold ``.lock`` while this process writes the folder (see :func:`sim.base.files.folder_lock`):
        a second process refuses with one line, or with ``wait`` waits. Creates the folder if needed."""
        return folder_lock(self.out, LOCK, Note("another scensim sweep", "另一个 scensim sweep"), wait, console,
                           lang=lang)

    # -- chunks -----------------------------------------------------------------------------------
    def scan(self) -> ScanReport:
        """Find finished runs in existing chunks. A chunk that cannot be read, has another schema or
        repeats runs is set aside (renamed hidden, never deleted) and its runs counted as not done;
        leftover temporary files of an interrupted write are removed."""
        rep = ScanReport(done=np.zeros((self.n_points, self.spec.replicates), dtype=bool))
        numbers: list[int] = []
        for d in (self.runs_dir, self.series_dir):
            if not d.exists():
                continue
            for p in sorted(d.iterdir()):
                if p.name.startswith(".") and p.name.endswith(".tmp"):
                    p.unlink()
                    name = p.relative_to(self.out)
                    rep.notes.append(Note(f"removed {name}: an unfinished write of an interrupted sweep",
                                          f"已删除 {name}：这是被中断的扫描未写完的文件"))
                    continue
                m = re.search(r"part-(\d{6})", p.name)
                if m:
                    numbers.append(int(m.group(1)))
        runs_chunks = self._chunks(self.runs_dir)
        for number, p in runs_chunks.items():
            problem, keys = self._read_keys(p)
            if problem is None:
                pts, reps = keys
                if (pts >= self.n_points).any() or (reps >= self.spec.replicates).any() or (pts < 0).any() or (reps < 0).any():
                    problem = Note("holds runs outside this experiment's design", "含有本实验设计之外的运行")
                elif rep.done[pts, reps].any() or len(set(zip(pts.tolist(), reps.tolist()))) != len(pts):
                    problem = Note("repeats runs already present in another chunk", "所含运行已在另一个数据块中出现")
            if problem is None and self.series_schema is not None:
                sp = self.series_dir / p.name
                if not sp.exists():
                    problem = Note("has no series chunk beside it", "旁边没有对应的序列数据块")
                else:
                    sprob = self._check_file(sp, self.series_schema)
                    if sprob:
                        problem = Note(f"has a series chunk that {sprob}", f"对应的序列数据块{in_lang(sprob, 'zh')}")
            if problem is not None:
                rep.notes.append(self._set_aside(p, problem))
                if self.series_schema is not None and (self.series_dir / p.name).exists():
                    self._set_aside(self.series_dir / p.name, Note("belongs to a set-aside runs chunk",
                                                                    "属于已搁置的运行数据块"))
                continue
            rep.done[keys[0], keys[1]] = True
        if self.series_schema is not None:
            for number, sp in self._chunks(self.series_dir).items():
                if number not in runs_chunks or not (self.runs_dir / sp.name).exists():
                    rep.notes.append(self._set_aside(sp, Note("has no runs chunk beside it (an interrupted write)",
                                                              "旁边没有对应的运行数据块（写入被中断）")))
        rep.next_chunk = max(numbers) + 1 if numbers else 0
        self.next_chunk = rep.next_chunk
        return rep

    @staticmethod
    def _chunks(d: Path) -> dict[int, Path]:
        if not d.exists():
            return {}
        return {int(m.group(1)): d / m.group(0) for p in sorted(d.iterdir()) if (m := CHUNK_RE.match(p.name))}

    def _check_file(self, p: Path, schema: pa.Schema) -> str | None:
        problem = checksum_problem(p)
        if problem:
            return problem
        try:
            meta = pq.read_metadata(p)
            if not pq.read_schema(p).remove_metadata().equals(schema.remove_metadata()):
                return Note("has another schema (written by another version of the spec or code)",
                            "数据结构不同（由另一版本的实验说明或代码写入）")
            del meta
        except (pa.ArrowException, OSError) as e:
            return _unreadable(e)
        return None

    def _read_keys(self, p: Path):
        problem = self._check_file(p, self.schema)
        if problem:
            return problem, None
        try:
            t = pq.read_table(p, columns=["point", "replicate"])
        except (pa.ArrowException, OSError) as e:
            return _unreadable(e), None
        return None, (t.column("point").to_numpy(), t.column("replicate").to_numpy())

    def _set_aside(self, p: Path, why: str) -> Note:
        target = p.with_name(f".set-aside-{p.name}")
        k = 1
        while target.exists():
            target = p.with_name(f".set-aside-{k}-{p.name}")
            k += 1
        os.replace(p, target)
        fsync_dir(p.parent)
        name, aside = p.relative_to(self.out), target.relative_to(self.out)
        return Note(f"set aside {name} (it {why}) as {aside}; its runs will be computed again",
                    f"已搁置 {name}：{in_lang(why, 'zh')}；已改名为 {aside}，其中的运行将重新计算")

    def write_chunk(self, runs: pa.Table, series: pa.Table | None) -> Path:
        """Write one chunk of finished runs (and their series) under the next number, atomically."""
        name = chunk_name(self.next_chunk)
        self.next_chunk += 1
        where = self.runs_dir
        try:
            if self.series_schema is not None:
                where = self.series_dir
                write_atomic(self.series_dir / name, lambda p: pq.write_table(series.cast(self.series_schema), p),
                             checksum=True)
                where = self.runs_dir
            write_atomic(self.runs_dir / name, lambda p: pq.write_table(runs.cast(self.schema), p), checksum=True)
        except OSError as e:  # a full disk, a folder made read-only: name the folder (pyarrow's text does not)
            raise EnvironmentFailure(where, Note("could not write a chunk of finished runs",
                                                 "无法写入一个已完成运行的数据块"), e) from None
        return self.runs_dir / name


def _unreadable(e: BaseException) -> Note:
    return Note(f"cannot be read: truncated or corrupt ({type(e).__name__})",
                f"无法读取，文件被截断或已损坏（{type(e).__name__}）")


def valid_chunks(folder: Path) -> tuple[list[Path], list[str]]:
    """Readable runs chunks of a sweep folder, in name order, and notes on those that are not."""
    d = Path(folder) / RUNS
    good, notes = [], []
    for p in sorted(d.glob("part-*.parquet")) if d.exists() else []:
        if not CHUNK_RE.match(p.name):
            continue
        problem = checksum_problem(p)
        name = p.relative_to(folder)
        if problem:
            notes.append(Note(f"skipped {name}: it {problem} (run the sweep again to recompute it)",
                              f"已跳过 {name}：缺少写入时的校验和或与之不符（再次运行该 sweep 即可重算这些运行）"))
            continue
        try:
            pq.read_metadata(p)
            good.append(p)
        except (pa.ArrowException, OSError):
            notes.append(Note(f"skipped {name}: cannot be read (run the sweep again to recompute it)",
                              f"已跳过 {name}：无法读取（再次运行该 sweep 即可重算这些运行）"))
    return good, notes


def read_runs(folder, columns: list[str] | None = None):
    """The runs table of a sweep folder as a DataFrame sorted by point and replicate.

    Same content as ``pd.read_parquet(folder / "runs")``, but skips unreadable chunks (see
    :func:`valid_chunks`) and sorts, so tables of sweeps run with any number of workers compare equal."""

    chunks, _ = valid_chunks(Path(folder))
    if not chunks:
        raise InputError(folder, None, "holds no finished runs (runs/part-*.parquet); run `scensim sweep` first")
    df = pa.concat_tables([pq.read_table(p, columns=columns) for p in chunks]).to_pandas()
    return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


def read_manifest(folder) -> dict:
    p = Path(folder) / MANIFEST
    if not Path(folder).is_dir():
        raise InputError(folder, None, "no such sweep folder (give the --out folder of a sweep, e.g. results/voucher_sweep)")
    if not p.exists():
        raise InputError(folder, None, "holds no manifest.json: not a sweep folder")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(p, None, "unreadable sweep manifest") from None
