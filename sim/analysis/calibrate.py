"""Calibration by approximate Bayesian computation (ABC-SMC, pyabc): fit a case's uncertain parameters
to the "fit" patterns of the pattern set, running the simulations through the project's executor.

Method. Priors are uniform over each parameter's case range (or the spec's range). A particle is a
parameter set; its simulation runs the case with those values and measures the observables the
patterns name (:mod:`sim.core.observables`). Its distance to the public figures is the root mean square,
over the fitted patterns, of (model − observed) / (half the pattern's band) — a pattern's band says how
far from the figure still counts as reproducing it, so each pattern weighs by its own tolerance. A
simulation that cannot measure a pattern (NaN) counts as 3 half-bands away (assumed). pyabc's ABC-SMC
shrinks the acceptance threshold generation by generation (median of the previous distances) and
perturbs particles with a multivariate normal kernel; its history is kept in a SQLite file.

Reproducibility. pyabc's own parallel samplers reseed workers from the operating system; here
:class:`ExecutorSampler` evaluates batches of pyabc's ``simulate_one`` through
:class:`~sim.engine.executor.Executor`, each task with its own seed derived from (calibration seed,
generation, index), and accepts the first n accepted in index order — so a calibration repeats
exactly, on any number of workers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.patterns import Pattern, load_patterns
from sim.base.errors import InputError, did_you_mean
from sim.base.tomlfile import check_path, confine, read_toml
from sim.core.case import Case, check_keys, check_spec_kind, load_case
from sim.core.registry import REGISTRY

NAN_PENALTY = 3.0  # half-bands: a simulation that cannot measure a fitted pattern (assumed)
MAX_PARTICLES = 10_000


# -- the sampler: pyabc's simulate_one through the project's executor -------------------------------------
_LOADED: dict = {}


def _particle_task(context, item):
    """One particle: seed numpy's global generator (pyabc samples proposals from it), then run
    pyabc's ``simulate_one`` (sent cloudpickled: it is a closure of the generation's proposal)."""
    import hashlib

    import cloudpickle

    blob, seed = item
    key = hashlib.sha1(blob).digest()
    if key not in _LOADED:  # one generation's function, unpickled once per worker
        _LOADED.clear()
        _LOADED[key] = cloudpickle.loads(blob)
    np.random.seed(seed)
    return _LOADED[key]()


def _make_sampler(executor, seed: int, batch: int):
    from pyabc.sampler import Sampler

    class ExecutorSampler(Sampler):
        """Batches of ``batch`` particles through the executor; the first n accepted in index order."""

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            import cloudpickle

            blob = cloudpickle.dumps(simulate_one)
            sample = self._create_empty_sample()
            done = accepted = 0
            while accepted < n and done < max_eval:
                seeds = [int(np.random.SeedSequence([seed, t + 1, done + i]).generate_state(1)[0])
                         for i in range(batch)]
                for particle in executor.map(_particle_task, [(blob, s) for s in seeds]):
                    if accepted >= n:
                        break
                    sample.append(particle)
                    done += 1
                    accepted += bool(particle.accepted)
            self.nr_evaluations_ = done
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return ExecutorSampler()


def abc_smc(simulate, priors: dict[str, tuple[float, float]], observed: dict, distance, *, population: int,
            generations: int, seed: int, executor, db: Path, batch: int | None = None,
            min_epsilon: float = 0.0):
    """Run ABC-SMC and return (posterior DataFrame: parameters and ``weight``, pyabc History).

    ``simulate(params) -> dict`` must be a picklable top-level callable (e.g. a functools.partial);
    ``distance(x, x0) -> float`` likewise. ``priors``: uniform (lo, hi) per parameter.

    pyabc works on the unit scale: each parameter is sampled as u in [0, 1] and mapped to
    lo + u · (hi − lo) before ``simulate`` sees it. Parameters of a case differ in scale by up to seven
    orders of magnitude (a budget in yuan beside a share); on their own scales pyabc's multivariate
    normal perturbation kernel gets a covariance too ill-conditioned to be positive semi-definite. The
    posterior returned, and every figure drawn from it, is on the parameters' own scales; the pyabc
    database (``abc.sqlite``) keeps the unit-scale values."""
    import logging

    import pyabc

    for name in ("ABC", "ABC.History", "Sampler", "Epsilon", "Distance", "Acceptor", "Transition"):
        logging.getLogger(name).setLevel(logging.WARNING)  # pyabc's progress lines; the command prints its own
    np.random.seed(seed)  # pyabc's own draws in this process (initial population bookkeeping)
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", 0.0, 1.0) for k in priors})
    sampler = _make_sampler(executor, seed, batch or population)
    on_unit = partial(_from_unit_scale, simulate, tuple(priors.items()))
    abc = pyabc.ABCSMC(on_unit, prior, distance, population_size=population, sampler=sampler)
    db = Path(db)
    abc.new("sqlite:///" + str(db), observed)
    history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=generations)
    frame, w = history.get_distribution()
    post = frame.reset_index(drop=True)
    for k, (lo, hi) in priors.items():
        post[k] = lo + post[k].astype(float) * (hi - lo)
    post["weight"] = np.asarray(w)
    return post, history


def _from_unit_scale(simulate, priors: tuple, unit: dict) -> dict:
    """``simulate`` at the parameters whose unit-scale coordinates pyabc proposed."""
    return simulate({k: lo + float(unit[k]) * (hi - lo) for k, (lo, hi) in priors})


# -- the model side ---------------------------------------------------------------------------------------
@dataclass
class CalibrationSpec:
    id: str
    path: str
    case: Case
    patterns: list[Pattern]  # the fitted ones
    held_back: list[Pattern]  # the others: out-of-sample checks
    priors: dict[str, tuple[float, float]]
    population: int = 40
    generations: int = 4
    seed: int = 0
    replicates: int = 1
    min_epsilon: float = 0.0
    notes: dict = field(default_factory=dict)


def load_spec(path, allow_outside: bool = False) -> CalibrationSpec:
    """Read and check a calibration spec (one-line errors naming the file, key and value)."""
    path = check_path(path, None, None, "the path of a calibration spec")
    doc = read_toml(path, "calibration spec", "experiments/hunan_calibrate.toml")[0]
    f = str(path)
    check_spec_kind(f, doc, "scensim calibrate", "a calibration spec with [calibration] and [parameters] "
                    "(docs/validation.md)")
    check_keys(f, doc, ("calibration", "parameters"), "")
    c = doc.get("calibration")
    if not isinstance(c, dict):
        raise InputError(f, "calibration", "missing; expected a [calibration] table")
    check_keys(f, c, ("id", "case", "patterns", "population", "generations", "seed", "replicates", "min_epsilon",
                      "fit", "notes"), "calibration.")
    for key in ("id", "case"):
        if not isinstance(c.get(key), str) or not c[key]:
            raise InputError(f, f"calibration.{key}", "missing; expected a non-empty string", c.get(key))
    case_path = path.parent / c["case"]
    confine(case_path, path, f, "calibration.case", allow_outside, c["case"])
    if not case_path.is_file():
        raise InputError(f, "calibration.case", "no such case file (the path is relative to the spec)", c["case"])
    case = load_case(case_path, allow_outside=allow_outside)
    pfile = None
    if "patterns" in c:
        pfile = path.parent / c["patterns"]
        confine(pfile, path, f, "calibration.patterns", allow_outside, c["patterns"])
    pats = load_patterns(pfile)
    fit_ids = c.get("fit")
    if fit_ids is None:
        fit = [p for p in pats if p.use == "fit"]
    else:
        if not isinstance(fit_ids, list) or not fit_ids:
            raise InputError(f, "calibration.fit", "expected a non-empty list of pattern ids", fit_ids)
        known = {p.id: p for p in pats}
        for pid in fit_ids:
            if pid not in known:
                raise InputError(f, "calibration.fit", "unknown pattern" + did_you_mean(pid, known), pid)
        fit = [known[pid] for pid in fit_ids]
    held = [p for p in pats if p not in fit]

    def whole(key, default, lo, hi):
        v = c.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise InputError(f, f"calibration.{key}", f"expected a whole number from {lo:,} to {hi:,}", v)
        return v

    population = whole("population", 40, 2, MAX_PARTICLES)
    generations = whole("generations", 4, 1, 100)
    seed = whole("seed", 0, 0, 2 ** 63 - 1)
    replicates = whole("replicates", 1, 1, 100)
    eps = c.get("min_epsilon", 0.0)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps < 0:
        raise InputError(f, "calibration.min_epsilon", "expected a number >= 0", eps)
    params = doc.get("parameters")
    if not isinstance(params, dict) or not params:
        raise InputError(f, "parameters", "missing; expected a [parameters] table: name = {} or "
                         "{ range = [lo, hi] }")
    priors = {}
    for name, entry in params.items():
        spec = REGISTRY.lookup(name, f)
        if spec.kind != "uncertainty":
            raise InputError(f, f"parameters.{name}", "is a lever (a policy choice), not an uncertainty; only "
                             "uncertain parameters are calibrated")
        if spec.dtype is bool:
            raise InputError(f, f"parameters.{name}", "is a switch; only numbers are calibrated")
        if not isinstance(entry, dict):
            raise InputError(f, f"parameters.{name}", "expected a table ({} or { range = [lo, hi] })", entry)
        check_keys(f, entry, ("range",), f"parameters.{name}.")
        pv = case.params[name]
        lo, hi = entry.get("range", [pv.lo, pv.hi])
        lo, hi = spec.parse(lo, f, f"parameters.{name}.range[0]"), spec.parse(hi, f, f"parameters.{name}.range[1]")
        if not lo < hi:
            raise InputError(f, f"parameters.{name}.range", "expected low < high", [lo, hi])
        priors[name] = (float(lo), float(hi))
    return CalibrationSpec(c["id"], f, case, fit, held, priors, population, generations, seed, replicates,
                           float(eps), c.get("notes", {}) if isinstance(c.get("notes", {}), dict) else {})


def _values(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        out[k] = int(round(v)) if REGISTRY.params[k].dtype is int else float(v)
    return out


def simulate_patterns(case: Case, observables: tuple[str, ...], replicates: int, params: dict) -> dict:
    """A particle's simulation: the case with ``params``, ``replicates`` runs (seeds from numpy's global
    generator, which the task seeded), the mean of each observable."""
    from sim.core.model import ScenarioMarket
    from sim.core.observables import measure

    c = case.with_params(_values(params), origin="calibration particle")
    rows = []
    for _ in range(replicates):
        seed = int(np.random.randint(0, 2 ** 62))
        rows.append(measure(ScenarioMarket(c, seed=seed).run()))
    return {o: float(np.nanmean([r[o] for r in rows])) if any(not math.isnan(r[o]) for r in rows) else math.nan
            for o in observables}


def pattern_distance(patterns: tuple[tuple[str, float, float], ...], x: dict, x0: dict) -> float:
    """Root mean square of (model − observed) / half-band over the fitted patterns; NaN counts as
    ``NAN_PENALTY`` half-bands."""
    terms = []
    for obs, observed, half in patterns:
        v = x.get(obs, math.nan)
        terms.append(NAN_PENALTY if v is None or math.isnan(v) else (v - observed) / half)
    return float(np.sqrt(np.mean(np.square(terms)))) if terms else 0.0


def calibrate(spec: CalibrationSpec, executor, db: Path):
    """Fit ``spec`` and return (posterior, history)."""
    obs = tuple(sorted({p.observable for p in spec.patterns}))
    triples = tuple((p.observable, p.observed, max((p.band[1] - p.band[0]) / 2, 1e-12)) for p in spec.patterns)
    sim = partial(simulate_patterns, spec.case, obs, spec.replicates)
    dist = partial(pattern_distance, triples)
    observed = {p.observable: p.observed for p in spec.patterns}
    return abc_smc(sim, spec.priors, observed, dist, population=spec.population, generations=spec.generations,
                   seed=spec.seed, executor=executor, db=db, min_epsilon=spec.min_epsilon)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> np.ndarray:
    order = np.argsort(x)
    x, w = np.asarray(x)[order], np.asarray(w)[order]
    cw = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qs, cw, x)


def marginals(post: pd.DataFrame, spec: CalibrationSpec) -> pd.DataFrame:
    """Per parameter: prior range, posterior weighted mean, median and 90 % credible interval."""
    rows = []
    for name, (lo, hi) in spec.priors.items():
        x, w = post[name].to_numpy(), post["weight"].to_numpy()
        q05, q50, q95 = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
        rows.append({"parameter": name, "prior_low": lo, "prior_high": hi, "case_value": spec.case.params[name].value,
                     "posterior_mean": float(np.average(x, weights=w)), "posterior_median": float(q50),
                     "posterior_q05": float(q05), "posterior_q95": float(q95),
                     "shrinkage": 1.0 - (q95 - q05) / (0.9 * (hi - lo))})
    return pd.DataFrame(rows)


def case_variant_toml(spec: CalibrationSpec, marg: pd.DataFrame, base_rel: str) -> str:
    """A case file that extends the calibrated case and sets each calibrated parameter to its posterior
    median, with the 90 % credible interval as its range (``scensim run --uncertainty prior`` on it draws
    within the posterior interval)."""
    lines = [f"# Calibrated variant of {spec.case.id}: written by `scensim calibrate {Path(spec.path).name}`.",
             "# Each calibrated parameter: posterior median, 90 % credible interval as its range.", "",
             "[case]", f'id = "{spec.case.id}_calibrated"', f"extends = {json.dumps(base_rel)}",
             f"name_zh = {json.dumps(spec.case.name_zh + '（校准）', ensure_ascii=False)}",
             f"name_en = {json.dumps(spec.case.name_en + ' (calibrated)', ensure_ascii=False)}",
             f"document = {json.dumps(spec.case.document, ensure_ascii=False)}",
             *([f"document_zh = {json.dumps(spec.case.document_zh, ensure_ascii=False)}"] if spec.case.document_zh else []),
             ""]
    tables: dict[str, list[str]] = {}
    for r in marg.itertuples(index=False):
        spec_p = REGISTRY.params[r.parameter]
        table, key = spec_p.toml_path.rsplit(".", 1)
        fmt = (lambda v: str(int(round(v)))) if spec_p.dtype is int else (lambda v: repr(float(v)))
        fitted = ", ".join(p.id for p in spec.patterns)
        tables.setdefault(table, []).append(
            f'{key} = {{ value = {fmt(r.posterior_median)}, unit = "{spec_p.unit}", '
            f'range = [{fmt(r.posterior_q05)}, {fmt(r.posterior_q95)}], source = "calibrated (ABC-SMC, '
            f'{spec.id}) to patterns: {fitted}" }}')
    for table, rows in tables.items():
        lines += [f"[{table}]", *rows, ""]
    return "\n".join(lines)
