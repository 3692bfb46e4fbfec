"""Result folders a report is made from: which command wrote each, told from its manifest and files.

``run`` (of a case or of a national case), ``compare``, ``lottery`` and ``sweep`` folders are recognised by their manifests' keys and
their tables; any other folder whose ``manifest.json`` names its ``command`` (``sensitivity``,
``discover``, ``optimise``, ``calibrate``, ``validate`` …) is shown generically: its tables and figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.base.errors import InputError

KINDS = ("run", "compare", "lottery", "sweep", "national", "generic")


@dataclass
class Source:
    kind: str
    folder: Path
    manifest: dict

    @property
    def command(self) -> str:
        return str(self.manifest.get("command") or self.kind)

    def table(self, name: str) -> pd.DataFrame:
        """A table of the folder, from Parquet (or CSV if only that was written)."""
        for ext, read in ((".parquet", pd.read_parquet), (".csv", pd.read_csv)):
            p = self.folder / f"{name}{ext}"
            if p.exists():
                return read(p)
        raise InputError(self.folder, None, f"holds no table {name}.parquet or {name}.csv: "
                         f"the {self.kind} folder is incomplete")

    def table_rows(self, name: str, select, batch_rows: int = 200_000) -> pd.DataFrame:
        """The rows ``select(df)`` keeps of a table, read a batch at a time (a run's series grows with its
        replicates; the report needs only the rows its figures draw)."""
        p = self.folder / f"{name}.parquet"
        if p.exists():
            import pyarrow as pa
            import pyarrow.parquet as pq

            f = pq.ParquetFile(p)
            parts = [select(pa.Table.from_batches([b], schema=f.schema_arrow).to_pandas())
                     for b in f.iter_batches(batch_size=batch_rows)]
        elif (self.folder / f"{name}.csv").exists():
            with pd.read_csv(self.folder / f"{name}.csv", chunksize=batch_rows) as chunks:
                parts = [select(c) for c in chunks]
        else:
            return select(self.table(name))  # raises: no such table
        return pd.concat(parts, ignore_index=True) if parts else select(self.table(name))

    def has(self, name: str) -> bool:
        return any((self.folder / f"{name}{ext}").exists() for ext in (".parquet", ".csv"))


def detect(folder) -> Source:
    """The kind of result folder ``folder`` is; InputError if it is not one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, None, "no such folder; give folders written by scensim run, compare, lottery, "
                         "sweep (or another scensim command)")
    man_path = folder / "manifest.json"
    if not man_path.exists():
        raise InputError(folder, None, "holds no manifest.json: not a folder written by a scensim command")
    try:
        man = json.loads(man_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(man_path, None, "unreadable manifest (not JSON)") from None
    if not isinstance(man, dict):
        raise InputError(man_path, None, "the manifest is not a JSON object")
    src = Source(_kind(folder, man), folder, man)
    return src


def _kind(folder: Path, man: dict) -> str:
    command = man.get("command")
    if command == "run" and "regions" in man and "flows" in man:  # `scensim run` of a national case
        return "national"
    if command in KINDS[:-1]:
        return command
    has = lambda n: (folder / f"{n}.parquet").exists() or (folder / f"{n}.csv").exists()  # noqa: E731
    if command is None:
        if "replicate_seeds" in man and "mixes" not in man and has("target_summary"):
            return "run"
        if "mixes" in man and has("compare_summary"):
            return "compare"
        if "lever" in man and has("lottery_summary"):
            return "lottery"
        if "design" in man and (folder / "runs").is_dir():
            return "sweep"
        raise InputError(folder / "manifest.json", "command", "cannot tell which scensim command wrote this folder "
                         "(no 'command' key and not a run, compare, lottery or sweep folder)")
    return "generic"
