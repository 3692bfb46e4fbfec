"""Private investors' beliefs and decision rule (used by :mod:`sim.levers.finance`; grounds in its docstring).

Investors hold a belief over a firm's readiness q on a grid of TRL values: a normal prior (the
population's), times the likelihood of everything they observe — pilots an owner picked, pilots
validated or failed, public screens passed, their own due diligence. A public screen's likelihood is
P(pass | q) = Φ((q − bar)/sd) for the readiness ``bar`` the screen demanded and the screener's error
``sd``: an unscreened award (bar = −inf) has likelihood 1 and moves no belief. They invest when the
risk-adjusted multiple of a ticket reaches their hurdle (:func:`invest_decision`).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from sim.base.agent import ScenarioAgent
from sim.base.sets import among
from sim.base.vocab import SUPPLIER_KINDS, TIERS

RUNNING_OR_DONE = (1, 2, 3)  # pilot statuses that mean the pilot landed
SUCCEEDED, FAILED = 2, 3
GRID = np.linspace(
    1.0, 9.0, 65
)  # readiness (TRL) values over which investors hold beliefs


def pass_likelihood(bar: np.ndarray, sd, grid: np.ndarray = GRID) -> np.ndarray:
    """P(a screen demanding readiness ``bar``, judged with normal error ``sd``, lets a firm of readiness q
    through), for each q of ``grid``: Φ((q − bar)/sd); exactly 1 where nothing was demanded (bar = −inf)."""
    bar = np.asarray(bar, float)[:, None]
    sd = np.maximum(np.asarray(sd, float), 1e-9)
    sd = sd[:, None] if sd.ndim else sd
    return np.where(np.isneginf(bar), 1.0, special.ndtr((grid[None, :] - bar) / sd))


def log_prior(prior_mean, prior_sd, grid: np.ndarray = GRID) -> np.ndarray:
    """The normal prior's log density over ``grid`` (rows: one per mean), up to a constant."""
    w = grid[None, :] - np.asarray(prior_mean, float)[:, None]  # in place from here
    w /= prior_sd
    np.square(w, out=w)
    w *= -0.5
    return w


def posterior(
    prior_mean, prior_sd, log_lik: np.ndarray, grid: np.ndarray = GRID
) -> np.ndarray:
    """Posterior weights over ``grid`` (rows: firms) from a normal prior and summed log-likelihoods."""
    return _normalised(log_prior(prior_mean, prior_sd, grid), log_lik)


def _normalised(w: np.ndarray, log_lik: np.ndarray) -> np.ndarray:
    """Posterior weights from the log prior ``w`` (rows: firms; changed in place) and the log-likelihoods."""
    w += log_lik  # the log posterior, up to a constant
    w -= w.max(axis=1, keepdims=True)
    np.exp(w, out=w)
    w /= w.sum(axis=1, keepdims=True)
    return w


def invest_decision(pi, win_multiple, risk_aversion, hurdle_multiple):
    """Mean–standard-deviation rule: invest when π·M − λ·M·√(π(1−π)) ≥ hurdle."""
    pi = np.asarray(pi, float)
    return (
        pi * win_multiple - risk_aversion * win_multiple * np.sqrt(pi * (1 - pi))
        >= hurdle_multiple
    )


def log_likelihood(m, p: dict, suppliers: np.ndarray) -> np.ndarray:
    """Summed log-likelihood over the readiness grid of what investors observe about each firm
    (rows: ``suppliers``): its pilots (picked by an owner; validated or failed), public screens
    it passed, and the investor's own due diligence (grounds in the module docstring).

    The terms of pilots and screens are summed (from 0, in that order) only for the few firms that have
    any, and the due-diligence term added last: for every firm the same additions in the same order as
    summing all terms into an array of firms × grid, without forming one of zeros a month."""
    n = len(suppliers)
    pil = m.pilots
    row = np.full(len(m.suppliers), -1)
    row[suppliers] = np.arange(n)
    terms = []  # (rows, log-likelihood per row over the grid), in the order they are summed
    mine = np.flatnonzero(
        among(pil.status, RUNNING_OR_DONE) & (row[pil.supplier] >= 0)
    )
    if len(mine):
        o = pil.scenario[mine]
        req, tier = m.scenarios.required[o], m.scenarios.tier[o]
        lik = pass_likelihood(req, p["owner_judgement_sd"])  # an owner picked it
        ps = m.success_prob(GRID[None, :], req[:, None], tier[:, None])
        st = pil.status[mine][:, None]
        lik = lik * np.where(st == SUCCEEDED, ps, np.where(st == FAILED, 1 - ps, 1.0))
        terms.append((row[pil.supplier[mine]], np.log(np.maximum(lik, 1e-300))))  # a firm's pilots: summed in turn
    public = m.public_signals(suppliers)
    for key in ("public_stake", "grant"):
        if key in public and public[key].any():
            seen = np.flatnonzero(public[key])
            lik = pass_likelihood(public[f"{key}_bar"][seen], public["screen_sd"][seen])
            terms.append((seen, np.log(np.maximum(lik, 1e-300))))
    # investors' own due diligence: the readiness of the firm's best capability, seen once with error
    best = np.full(len(m.suppliers), np.nan)
    mine = np.flatnonzero(row[m.capabilities.supplier] >= 0)  # only these firms' capabilities (max is exact)
    np.fmax.at(best, m.capabilities.supplier[mine], m.capabilities.readiness[mine])
    sd = p["investor_diligence_sd"]
    seen = best[suppliers] + m.draws.normal(
        "investor_diligence", m.suppliers.key[suppliers], scale=sd
    )
    z = seen[:, None] - GRID[None, :]
    z /= sd
    np.square(z, out=z)
    z *= -0.5
    if terms:  # firms with pilots or screens: 0 + their terms in order, + the due-diligence term
        touched = np.unique(np.concatenate([r for r, _ in terms]))
        at = np.full(n, -1)
        at[touched] = np.arange(len(touched))
        acc = np.zeros((len(touched), len(GRID)))
        for r, x in terms:
            np.add.at(acc, at[r], x)
        z[touched] = acc + z[touched]
    return z  # (elsewhere 0 + z, which is z: the sign of a zero aside, which exp makes 1 either way)


def success_belief(m, p: dict, suppliers: np.ndarray) -> np.ndarray:
    """Investors' posterior chance π that each firm's next small-cut pilot succeeds."""
    means = np.array([m.params[f"supply.readiness_mean.{k}"] for k in SUPPLIER_KINDS])
    # the prior of each kind once, then a row per firm: the same numbers as posterior(means[kind], …)
    # computed firm by firm, at a fraction of the cost (a month forms ~1,500 beliefs over 65 grid points)
    ll = log_likelihood(m, p, suppliers)
    w = _normalised(log_prior(means, m.params["supply.readiness_sd"])[m.suppliers.kind[suppliers]], ll)
    tier = TIERS.index("small_cut")
    ps = m.success_prob(GRID, m.tier_required[tier], tier)
    # each row's weighted sum on its own (numpy's row reduction), not ``w @ ps``: BLAS computes a row's dot
    # product with different roundings depending on the row's place in the matrix and on its thread count,
    # so a firm's belief would depend on the batch it is formed in and on the machine's cores
    w *= ps
    return w.sum(axis=1)


class Investor(ScenarioAgent):
    """A private venture investor with a yearly amount of capital to place."""

    def __init__(self, model, capital_cny: float):
        super().__init__(model)
        self.capital_per_year = capital_cny
        self.capital_left = capital_cny
        self.deals = 0
        self.invested_cny = 0.0

    def __repr__(self) -> str:
        return f"Investor(deals={self.deals}, invested={self.invested_cny:,.0f} CNY, left={self.capital_left:,.0f})"
