"""Bit-for-bit fingerprint of the model's outputs, for refactors that must not change a single result.

Run: python bench/fingerprint.py --save FILE      (before the change)
     python bench/fingerprint.py --check FILE     (after it: exit status 1 and the tables that differ)
     [--root DIR]  measure another checkout (e.g. a ``git archive`` of an earlier commit)
     [--quick]     the small case only, one seed (seconds; the default takes about 10 s)
     [--national]  also the national case (Hunan, Hubei, Shandong, the rest of China) at one seed (+6 s)

``tests/test_regression.py`` hashes the Hunan tables at 8 significant digits, so that a numpy release
that adds floats in another order does not fail it. A speed refactor should change nothing at all: this
hashes every table of ``sim.run_one`` — series, targets, fiscal ledger, scenario register, accounts,
public cost, and the run's summary — at full precision, for two seeds of five configurations: Hunan,
Hubei, Shandong, the small case, and Hunan with the rarer rules switched on (racing, demand-side
vouchers, no sandbox, no diligence exemption, an SOE duty, lowest-price selection, a centre that lowers
its bar). National runs are hashed from the model's state, region by region (the recorder's counts and
levels, the fiscal ledger, the accounts' balances, suppliers' cash and exits, scenarios' states) and the
exchange's (its log of branches and cash moved, the branches): the small national case of the tests at
two seeds by default, the full national case too with ``--national``. Compare fingerprints made on the
same machine and library versions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("series", "targets", "fiscal_ledger", "scenarios", "accounts", "public_cost")
VARIANT = {"racing.share": 0.3, "vouchers.demand_side": True, "sandbox.on": False, "diligence_exemption.on": False,
           "soe_duty.min_needs_per_year": 2.0, "selection.lowest_price": True, "centre.chase": 2}


def national_state(m) -> str:
    """A hash of a finished national run's state (see the module docstring)."""
    import numpy as np

    h = hashlib.sha256()
    for r in m.regions:
        h.update(r.recorder.flows.tobytes() + r.recorder.stocks.tobytes())
        h.update(r.fiscal.ledger().to_csv().encode())
        h.update(repr(sorted(r.money.balance.items())).encode())
        h.update(r.suppliers.cash.tobytes() + r.suppliers.alive.tobytes() + r.scenarios.state.tobytes())
    h.update(repr((m.branch_log, m.closed)).encode())
    for b in m._branch_of:
        h.update(b"".join(np.asarray(x).tobytes() for x in b))
    return h.hexdigest()[:16]


def fingerprint(root: Path, quick: bool = False, national: bool = False) -> dict[str, str]:
    """Hashes of every output table, by "configuration/seed/table"."""
    sys.path.insert(0, str(root))  # the checkout measured, whichever one is installed
    import pandas as pd

    import sim

    def h(df: pd.DataFrame) -> str:
        rows = pd.util.hash_pandas_object(df.reset_index(drop=True), index=False).values.tobytes()
        return hashlib.sha256(rows + repr(list(df.columns)).encode()).hexdigest()[:16]

    cases = root / "scenarios"
    small = sim.load_case(cases / "synthetic_small.toml")
    if quick:
        configs, seeds = {"small": small}, (1,)
    else:
        hunan = sim.load_case(cases / "hunan_2026_2028.toml")
        configs = {"hunan": hunan, "hubei": sim.load_case(cases / "hubei_2025_2027.toml"),
                   "shandong": sim.load_case(cases / "shandong_2026_2028.toml"), "small": small,
                   "hunan_variant": hunan.with_params(VARIANT)}
        seeds = (1, 7)
    out = {}
    nationals = {} if quick else {"national_small": (root / "tests" / "specs" / "national_small.toml", (3, 4))}
    if national:
        nationals["national"] = (cases / "national_2026_2028.toml", (1,))
    for name, (path, nseeds) in nationals.items():
        for seed in nseeds:
            out[f"{name}/{seed}/state"] = national_state(sim.NationalMarket(path, seed=seed).run())
    for name, case in configs.items():
        for seed in seeds:
            r = sim.run_one(case, sim.run_seed(seed, 0))
            for table in TABLES:
                out[f"{name}/{seed}/{table}"] = h(getattr(r, table))
            out[f"{name}/{seed}/run"] = hashlib.sha256(repr(sorted(r.run.items())).encode()).hexdigest()[:16]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--save", metavar="FILE", help="write the fingerprint to FILE")
    what.add_argument("--check", metavar="FILE", help="compare with the fingerprint in FILE")
    ap.add_argument("--root", default=str(ROOT), help="the checkout to measure (default: this one)")
    ap.add_argument("--quick", action="store_true", help="the small case only, one seed")
    ap.add_argument("--national", action="store_true", help="also the full national case at one seed")
    args = ap.parse_args(argv)
    got = fingerprint(Path(args.root).resolve(), args.quick, args.national)
    print(f"model: {Path(sys.modules['sim'].__file__).parent.parent}")
    if args.save:
        Path(args.save).write_text(json.dumps(got, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{len(got)} hashes written to {args.save}")
        return 0
    want = json.loads(Path(args.check).read_text(encoding="utf-8"))
    differ = sorted(k for k in want.keys() & got.keys() if want[k] != got[k])
    missing = sorted(want.keys() - got.keys())  # saved with --national (or without --quick), not computed now
    if differ:
        print(f"{len(differ)} of {len(want.keys() & got.keys())} hashes differ: {', '.join(differ)}")
        return 1
    print(f"identical: {len(got)} hashes" + (f" ({len(missing)} saved hash{'es' if len(missing) > 1 else ''} not computed here: {', '.join(missing)}; "
                                            "give the same --national/--quick as when saving)" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
