"""Bit-for-bit fingerprint of the model's outputs, for refactors that must not change a single result.

Run: python bench/fingerprint.py --save FILE      (before the change)
     python bench/fingerprint.py --check FILE     (after it: exit status 1 and the tables that differ)
     [--root DIR]  measure another checkout (e.g. a ``git archive`` of an earlier commit)
     [--quick]     the small case only, one seed (seconds; the default takes about 10 s)

``tests/test_regression.py`` hashes the Hunan tables at 8 significant digits, so that a numpy release
that adds floats in another order does not fail it. A speed refactor should change nothing at all: this
hashes every table of ``sim.run_one`` — series, targets, fiscal ledger, scenario register, accounts,
public cost, and the run's summary — at full precision, for two seeds of five configurations: Hunan,
Hubei, Shandong, the small case, and Hunan with the rarer rules switched on (racing, demand-side
vouchers, no sandbox, no diligence exemption, an SOE duty, lowest-price selection, a centre that lowers
its bar). Compare fingerprints made on the same machine and library versions.
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


def fingerprint(root: Path, quick: bool = False) -> dict[str, str]:
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
    args = ap.parse_args(argv)
    got = fingerprint(Path(args.root).resolve(), args.quick)
    print(f"model: {Path(sys.modules['sim'].__file__).parent.parent}")
    if args.save:
        Path(args.save).write_text(json.dumps(got, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{len(got)} hashes written to {args.save}")
        return 0
    want = json.loads(Path(args.check).read_text(encoding="utf-8"))
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    if differ:
        print(f"{len(differ)} of {len(want)} hashes differ: {', '.join(differ)}")
        return 1
    print(f"identical: {len(got)} hashes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
