"""The pattern set and validation: public figures set against the model's observables.

A pattern (``scenarios/patterns/patterns.toml``) names a public figure, its source and reliability, the model
observable it corresponds to (:mod:`sim.core.observables`) and a band; :func:`evaluate` compares the
observables of a set of runs with every pattern: the model's median and 90 % interval, and whether the
median falls in the band. Nothing here tunes anything: a pattern the model misses is reported as
missed. :func:`docking` is the Bass docking check (docs/sources.md: Sultan, Farley & Lehmann 1990 coefficients),
the first row of ``scensim validate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.base.errors import InputError, did_you_mean
from sim.base.tomlfile import check_path, read_toml
from sim.core.case import check_keys
from sim.core.observables import OBSERVABLES

DEFAULT_PATTERNS = Path(__file__).resolve().parents[2] / "scenarios" / "patterns" / "patterns.toml"
KEYS = ("id", "zh", "en", "observable", "observed", "band", "source", "independent", "reliability", "window",
        "comparability", "use")
RELIABILITY = ("strong", "medium", "weak")
USES = ("fit", "check")


@dataclass(frozen=True)
class Pattern:
    id: str
    zh: str
    en: str
    observable: str
    observed: float
    band: tuple[float, float]
    source: str
    independent: str
    reliability: str
    window: str
    comparability: str
    use: str


def _number(f, key, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InputError(f, key, "expected a number", v)
    return float(v)


def load_patterns(path: str | Path | None = None) -> list[Pattern]:
    """Read and check a pattern file (one-line errors naming the file, key and value)."""
    path = DEFAULT_PATTERNS if path is None else check_path(path, None, None, "the path of a pattern file")
    doc = read_toml(Path(path), "pattern file", "scenarios/patterns/patterns.toml")[0]
    f = str(path)
    check_keys(f, doc, ("pattern",), "")
    rows = doc.get("pattern")
    if not isinstance(rows, list) or not rows:
        raise InputError(f, "pattern", "missing; expected one [[pattern]] table per public figure")
    out, seen = [], set()
    for i, r in enumerate(rows):
        w = f"pattern[{i}]."
        if not isinstance(r, dict):
            raise InputError(f, f"pattern[{i}]", "expected a table", r)
        check_keys(f, r, KEYS, w)
        for k in KEYS:
            if k not in r:
                raise InputError(f, w + k, "missing; every pattern needs " + ", ".join(KEYS))
        for k in ("id", "zh", "en", "source", "independent", "window", "comparability"):
            if not isinstance(r[k], str) or not r[k].strip():
                raise InputError(f, w + k, "expected a non-empty string", r[k])
        if r["id"] in seen:
            raise InputError(f, w + "id", "used twice; pattern ids must be unique", r["id"])
        seen.add(r["id"])
        if r["observable"] not in OBSERVABLES:
            raise InputError(f, w + "observable", "unknown observable" + did_you_mean(r["observable"], OBSERVABLES)
                             + "; allowed: " + ", ".join(OBSERVABLES), r["observable"])
        band = r["band"]
        if not isinstance(band, list) or len(band) != 2:
            raise InputError(f, w + "band", "expected [low, high]", band)
        lo, hi = _number(f, w + "band[0]", band[0]), _number(f, w + "band[1]", band[1])
        if lo > hi:
            raise InputError(f, w + "band", "low must not exceed high", band)
        for k, allowed in (("reliability", RELIABILITY), ("use", USES)):
            if r[k] not in allowed:
                raise InputError(f, w + k, "expected one of " + ", ".join(allowed), r[k])
        out.append(Pattern(r["id"], r["zh"], r["en"], r["observable"], _number(f, w + "observed", r["observed"]),
                           (lo, hi), r["source"], r["independent"], r["reliability"], r["window"],
                           r["comparability"], r["use"]))
    return out


def evaluate(patterns: list[Pattern], runs: pd.DataFrame) -> pd.DataFrame:
    """One row per pattern: the figure, its band, the model's median and 5–95 % range over the runs
    (columns ``obs.<name>``), how many runs measured it, and the verdict: ``within`` (median in the
    band), ``outside``, or ``not measured`` (no run could measure the observable)."""
    rows = []
    for p in patterns:
        col = f"obs.{p.observable}"
        x = pd.to_numeric(runs[col], errors="coerce").dropna().to_numpy() if col in runs else np.zeros(0)
        if len(x):
            med, q05, q95 = (float(v) for v in np.quantile(x, [0.5, 0.05, 0.95]))
            verdict = "within" if p.band[0] <= med <= p.band[1] else "outside"
        else:
            med = q05 = q95 = math.nan
            verdict = "not measured"
        rows.append({"pattern": p.id, "zh": p.zh, "en": p.en, "observable": p.observable,
                     "unit": OBSERVABLES[p.observable].unit, "observed": p.observed, "band_low": p.band[0],
                     "band_high": p.band[1], "model_median": med, "model_q05": q05, "model_q95": q95,
                     "runs": len(x), "verdict": verdict, "use": p.use, "reliability": p.reliability,
                     "independent": p.independent, "source": p.source})
    return pd.DataFrame(rows)


def docking(n_market: int = 1_000_000, months: int = 240, p: float = 0.03, q: float = 0.38,
            seed: int = 1) -> dict:
    """The diffusion submodel with fully mixed adopters against the discrete Bass recursion: the
    largest gap in the adopted share over ``months`` months (docs/sources.md, "Docking"; tolerance 0.003, the
    sampling error at a million adopters)."""
    from sim.base.rng import KeyedDraws
    from sim.core.market.diffusion import bass_adoptions

    d = KeyedDraws(seed)
    a, f = np.zeros(1, dtype=np.int64), 0.0
    worst = 0.0
    for t in range(months):
        a = a + bass_adoptions(d, "adopt", t, np.arange(1), a, np.array([n_market]), p, q)
        f = f + (1 - f) * (1 - math.exp(-(p + q * f) / 12))
        worst = max(worst, abs(a[0] / n_market - f))
    return {"pattern": "bass_docking", "zh": "Bass 扩散对接（充分混合极限）", "en": "Bass docking (fully mixed limit)",
            "observable": "max |F_model − F_Bass|", "unit": "share", "observed": 0.0, "band_low": 0.0,
            "band_high": 0.003, "model_median": worst, "model_q05": worst, "model_q95": worst, "runs": 1,
            "verdict": "within" if worst <= 0.003 else "outside", "use": "check", "reliability": "strong",
            "independent": "analytic", "source": "Bass (1969) recursion; p, q from Sultan, Farley & Lehmann (1990)"}


def sources_count(patterns: list[Pattern]) -> int:
    """How many independent origins the patterns rest on."""
    return len({p.independent for p in patterns})
