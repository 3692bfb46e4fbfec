"""Docking: the diffusion submodel against the Bass model (docs/sources.md, "Docking").

With fully mixed adopters, p = 0.03 and q = 0.38 per year, monthly steps: each non-adopter adopts
with probability 1 − exp(−(p + q·A/N)·dt). The expected path follows the discrete recursion
F' = F + (1 − F)(1 − exp(−(p + qF)dt)), whose shape matches the closed forms: peak at 6.19 years
with F = 0.461, 10 % at 2.25, 50 % at 6.55, 90 % at 11.76 years.
"""

import numpy as np
import pytest

from sim.core.model import ScenarioMarket, bass_adoptions
from sim.base.rng import KeyedDraws
from sim.base.vocab import State

P, Q, DT = 0.03, 0.38, 1 / 12
# everything that adds to or scales the Bass hazard: procurement, promotion and benchmarks, buyers' caution
# towards small suppliers and the exemption that relieves it; and the adopter network, fully mixed
LEVERS_OFF_FOR_DIFFUSION = {"procurement.budget_cny_per_year": 0.0, "matchmaking.promotion_every_months": 0,
                            "diffusion.contact_same_city": 1.0, "diffusion.contact_same_sector": 1.0,
                            "diffusion.contact_other": 1.0,
                            "matchmaking.selection_every_months": 0, "diffusion.small_supplier_factor": 1.0,
                            "diligence_exemption.on": False,  # and no solutions from before the plan
                            "initial.validated.major": 0, "initial.validated.integrated": 0,
                            "initial.validated.small_cut": 0}


def recursion(f0, months, p=P, q=Q):
    f = [f0]
    for _ in range(months):
        F = f[-1]
        f.append(F + (1 - F) * (1 - np.exp(-(p + q * F) * DT)))
    return np.array(f)


def simulate(n_market, months, seed=1, n_scen=1):
    d = KeyedDraws(seed)
    A = np.zeros(n_scen, dtype=np.int64)
    M = np.full(n_scen, n_market)
    keys = np.arange(n_scen)
    path = [A.copy()]
    for t in range(months):
        A = A + bass_adoptions(d, "adopt", t, keys, A, M, P, Q)
        path.append(A.copy())
    return np.array(path) / n_market


def first_month(F, level):
    return int(np.argmax(F >= level))


def test_large_population_follows_the_discrete_recursion():
    F = simulate(1_000_000, 240)[:, 0]
    R = recursion(0.0, 240)
    assert np.max(np.abs(F - R)) < 0.003


def test_shape_matches_bass_closed_forms():
    F = simulate(1_000_000, 240)[:, 0]
    R = recursion(0.0, 240)
    assert np.diff(F).max() * 12 == pytest.approx((P + Q) ** 2 / (4 * Q), rel=0.03)  # peak rate 0.111/year
    t_star = np.log(Q / P) / (P + Q)  # 6.19 years, when F = 1/2 − p/(2q) = 0.461
    for level, years in ((0.1, 2.25), (0.5 - P / (2 * Q), t_star), (0.5, 6.55), (0.9, 11.76)):
        # the simulation crosses each level within a month of the discrete recursion, and the monthly
        # recursion lags the continuous closed form by less than two and a half months
        assert abs(first_month(F, level) - first_month(R, level)) <= 1, level
        assert 0 <= first_month(R, level) / 12 - years <= 2.5 / 12, level


def test_small_markets_average_to_the_recursion():
    # finite markets lag the mean-field path slightly (the mean of q·A/N·(N − A) is below its value
    # at the mean); with N = 200 the gap stays under two percentage points
    F = simulate(200, 120, n_scen=400).mean(axis=1)
    R = recursion(0.0, 120)
    assert np.max(np.abs(F - R)) < 0.02
    assert np.all(F[60:] <= R[60:])


def test_model_diffusion_with_levers_off_is_bass(hunan):
    """Validated scenarios injected into a model with procurement off and adopters fully mixed spread as
    Bass predicts (the network of adopter groups reduces to the mean field)."""
    case = hunan.with_params({"diffusion.p": P, "diffusion.q": Q, "diffusion.scale_adopters.small_cut": 100_000,
                              **LEVERS_OFF_FOR_DIFFUSION})
    m = ScenarioMarket(case, seed=11)
    n, M = 300, 5000
    sup = np.zeros(n, dtype=np.int64)
    idx = m.scenarios.add(key=10**12 + np.arange(n), opener=0, domain=0, tier=2, city=0, budget=1e6, required=6.0,
                     duration=6, market=M, public_share=0.5, state=int(State.VALIDATED), supplier=sup, adopters=1)
    for t in range(m.calendar.n_months):
        m.t = t
        m.diffuse()
    F = m.scenarios.adopters[idx].mean() / M
    R = recursion(1 / M, m.calendar.n_months)[-1]
    assert F == pytest.approx(R, rel=0.03)
    assert m.recorder.monthly("adoptions").sum() == m.scenarios.adopters[idx].sum() - n
    assert m.recorder.monthly("adoptions_market").sum() == m.recorder.monthly("adoptions").sum()
