"""Common-random-number effects of matchmaking, promotion, the adopter network and procurement on Hunan
(issue 10, diffusion and promotion). Run from the repository root: PYTHONPATH=. python bench/matchmaking_effects.py [replicates]"""
import sys
import numpy as np
from sim.core.case import load_case
from sim.core.model import ScenarioMarket
from sim.base.rng import run_seed

R = int(sys.argv[1]) if len(sys.argv) > 1 else 10
case = load_case("scenarios/hunan_2026_2028.toml")
B = case.values["matchmaking.budget_cny_per_year"]
CONFIGS = {
    "baseline": {},
    "off (budget 0)": {"matchmaking.budget_cny_per_year": 0.0},
    "budget doubled": {"matchmaking.budget_cny_per_year": 2 * B},
    "events 2→6/month": {"matchmaking.events_per_month": 6.0},
    "promotions off": {"matchmaking.promotion_every_months": 0},
    "benchmarks off": {"matchmaking.selection_every_months": 0},
    "fully mixed adopters": {"diffusion.contact_same_city": 1.0, "diffusion.contact_same_sector": 1.0,
                             "diffusion.contact_other": 1.0},
    "procured not counted": {"diffusion.scale_counts_procured": False},
    "procurement off": {"procurement.budget_cny_per_year": 0.0},
}


def outcomes(m):
    r = m.recorder.monthly
    yrs = np.asarray(m.calendar.year_of)
    served = r("served")
    tt = m.target_table()
    lsc = tt[tt.target == "large_scale_scenarios"].value.iloc[0]
    return {"scaled": float(lsc), "scaled_market": float(r("scaled_market").sum()),
            "adopt_market": float(r("adoptions_market").sum()), "adopt_procured": float(r("adoptions_procured").sum()),
            "events": float(r("events").sum()), "served_2027": float(served[yrs == 2027].sum()),
            "promo_adopt": float(m.levers["matchmaking"].promotion_adoptions),
            "mm_spend_m": float(m.fiscal.spent["matchmaking"].sum()) / 1e6,
            "proc_spend_m": float(m.fiscal.spent["procurement"].sum()) / 1e6,
            "public_cost_m": float(m.money.public_cost()["total_public_cost_cny"].sum()) / 1e6}


res = {}
for name, params in CONFIGS.items():
    c = case.with_params(params) if params else case
    res[name] = [outcomes(ScenarioMarket(c, seed=run_seed(1, r)).run()) for r in range(R)]
    print(name, "done", file=sys.stderr, flush=True)
keys = list(res["baseline"][0])
print(f"Hunan, {R} replicates, seeds run_seed(1, r); mean and (for differences) mean ± 1.96·sd/√R of the paired difference")
print("| config | " + " | ".join(keys) + " |")
print("|---|" + "---|" * len(keys))
for name, rows in res.items():
    cells = []
    for k in keys:
        v = np.array([x[k] for x in rows])
        if name == "baseline":
            cells.append(f"{v.mean():.1f}")
        else:
            d = v - np.array([x[k] for x in res["baseline"]])
            cells.append(f"{v.mean():.1f} (Δ {d.mean():+.1f} ± {1.96 * d.std(ddof=1) / np.sqrt(R):.1f})")
    print(f"| {name} | " + " | ".join(cells) + " |")
