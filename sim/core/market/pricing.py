"""Prices, procurement rules and what suppliers expect: the rules of the pilot market.

Three bounded-rational rules, each with its grounds:

* **The ask** (:func:`reservation_price`, :func:`markup_share`, :func:`ask_price`). A supplier asks the
  owner a price for the pilot, between its *reservation price* — its cost net of the follow-on profit it
  expects from a validated pilot (below it, winning loses money in expectation) — and the owner's
  ceiling (最高限价: ``pilot.opener_share`` × the pilot budget, what the owner has set aside; the rest of
  a pilot is co-funded by the supplier). It keeps a share of the gap as its margin. In the symmetric
  first-price procurement auction with private costs uniform up to the ceiling, the equilibrium bid is
  ``c + (ceiling − c)/n`` with ``n`` bidders (Vickrey 1961; Krishna, *Auction Theory*, ch. 2): margins
  shrink as competition grows. Suppliers here do not solve for an equilibrium; they use that rule of
  thumb with the number of bidders they *expect* — what they have seen per call in their domain
  (:class:`MarketBeliefs`), starting from ``bid.expected_rivals`` (assumed — uncertain). A supplier that
  needs the work (idle capacity) gives up a further share ``bid.need_discount`` of its margin (assumed —
  uncertain). Expecting follow-on lowers the ask ("buying in").
* **The owner's rule** (:func:`price_scores`, :func:`technical_scores`, :func:`rank_keys`), a case
  setting: ``selection.lowest_price`` (最低评标价法: among qualified bids the lowest price wins) or
  comprehensive scoring (综合评分法) with price weight ``selection.price_weight``. China's Government
  Procurement Law (2002) allows both; MOF Order 87 (《政府采购货物和服务招标投标管理办法》, 2017, arts. 53–55) uses
  the lowest-price method for goods and services with uniform standards — an innovative pilot is not —
  sets a price share of at least 30 % for goods and 10 % for services under scoring, and fixes the price score as lowest valid price / own
  price × full marks (低价优先法); the earlier rule (财库〔2007〕2号) set 30–60 % for goods and 10–30 % for
  services. Tenders won on price alone lower the winners' later innovation (Krieger, Pruefer & Strecke,
  ZEW DP 24-009); whether the rule changes who wins here is an outcome of the bids.
* **Expectations** (:class:`MarketBeliefs`): adaptive expectations (Cagan 1956; Nerlove 1958) of the
  follow-on value of a validated pilot, per domain and tier, and of the number of bidders per call, per
  domain, each moved a share ``bid.belief_rate`` (assumed — uncertain) of the way towards what suppliers
  observe each month: the follow-on profit validated solutions in the domain and tier have earned so far
  (the adoption log), per yuan of pilot budget; and the bids each closing call drew.
"""

from __future__ import annotations

import numpy as np

from sim.base.sets import among
from sim.base.vocab import State

# -- the ask ----------------------------------------------------------------------------------------
def reservation_price(cost, p_success, followon_multiple, budget):
    """The lowest price at which winning the pilot is worth nothing to the supplier (CNY): its cost
    less the follow-on profit it expects (success chance × expected multiple × budget). Negative when
    the expected follow-on exceeds the cost."""
    return np.asarray(cost) - np.asarray(p_success) * np.asarray(followon_multiple) * np.asarray(budget)


def markup_share(expected_bidders, idle_share, need_discount):
    """Share of the gap between reservation price and ceiling a supplier asks for: 1/n with ``n`` the
    bidders it expects (itself included; the symmetric first-price rule), less ``need_discount`` × the
    share of its capacity standing idle."""
    n = np.maximum(np.asarray(expected_bidders, dtype=float), 1.0)
    return (1.0 - need_discount * np.clip(idle_share, 0.0, 1.0)) / n


def ask_price(reservation, ceiling, markup):
    """The price asked (CNY): reservation (at least 0) plus ``markup`` of the gap to the ceiling; the
    ceiling if the reservation is above it (the supplier would lose at any allowed price)."""
    floor = np.maximum(np.asarray(reservation, dtype=float), 0.0)
    ceiling = np.asarray(ceiling, dtype=float)
    return np.where(floor >= ceiling, ceiling, floor + np.clip(markup, 0.0, 1.0) * (ceiling - floor))


# -- the owner's rule -------------------------------------------------------------------------------
def price_scores(price, call):
    """低价优先法 (MOF Order 87, art. 55): 100 × the lowest valid price in the same call / own price.
    ``call`` labels the call of each bid. Prices are counted from 1 yuan (a zero ask scores full marks)."""
    price = np.maximum(np.asarray(price, dtype=float), 1.0)
    call = np.asarray(call)
    if len(price) == 0:
        return price
    _, inv = np.unique(call, return_inverse=True)
    lowest = np.full(inv.max() + 1, np.inf)
    np.minimum.at(lowest, inv, price)
    return 100.0 * lowest[inv] / price


def technical_scores(owner_score, slope):
    """Technical marks out of 100 from the owner's judgement (TRL points over the requirement, with
    track record and risk aversion): logistic in those points with the success slope, so marks rise as
    the owner's perceived chance of success does and saturate."""
    return 100.0 / (1.0 + np.exp(-slope * np.asarray(owner_score, dtype=float)))


def rank_keys(price, owner_score, call, lowest_price: bool, price_weight: float, slope: float) -> np.ndarray:
    """What each owner maximises over the qualified bids of its call: minus the price under the
    lowest-price rule (ties to the better technical score), or the comprehensive score
    ``w × price marks + (1 − w) × technical marks`` under scoring."""
    tech = technical_scores(owner_score, slope)
    if lowest_price:
        return -np.asarray(price, dtype=float) + 1e-9 * tech
    return price_weight * price_scores(price, call) + (1.0 - price_weight) * tech


# -- expectations -----------------------------------------------------------------------------------
def adapt(belief, observed, rate):
    """Adaptive expectations: move ``rate`` of the way towards what was observed (NaN: nothing seen)."""
    observed = np.asarray(observed, dtype=float)
    return np.where(np.isnan(observed), belief, belief + rate * (np.nan_to_num(observed) - belief))


class MarketBeliefs:
    """What suppliers expect: follow-on value (multiple of budget) by domain × tier, and bidders per call
    by domain. Shared by all suppliers of a domain (they watch the same public lists and the same peers)."""

    def __init__(self, n_domains: int, n_tiers: int, followon_prior: float, bidders_prior: float, rate: float):
        self.followon = np.full((n_domains, n_tiers), float(followon_prior))
        self.bidders = np.full(n_domains, float(bidders_prior))
        self.rate = float(rate)

    def __repr__(self) -> str:
        return (f"MarketBeliefs(follow-on {self.followon.min():.2f}–{self.followon.max():.2f} × budget, "
                f"bidders {self.bidders.min():.1f}–{self.bidders.max():.1f} per call)")

    def observe_followon(self, model) -> np.ndarray:
        """The follow-on multiple suppliers see now, per domain × tier (NaN where no solution is on the
        demonstration list): what the suppliers of listed solutions have kept from adoptions so far (the
        adoption log), per yuan of their pilot budgets, averaged. A naive reading — young solutions have
        earned little yet — so expectations lag the lifetime value while the market is young."""
        s = self.followon.shape
        sc = model.scenarios
        listed = np.flatnonzero(among(sc.state, (State.VALIDATED, State.SCALED)))
        earned = model.kept_so_far()[listed]
        cell = (sc.domain[listed], sc.tier[listed])
        total, count = np.zeros(s), np.zeros(s)
        np.add.at(total, cell, earned / sc.budget[listed])
        np.add.at(count, cell, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    def update_followon(self, model) -> None:
        """One month of learning about follow-on value, from the adoption log."""
        self.followon = adapt(self.followon, self.observe_followon(model), self.rate)

    def update_bidders(self, bids_per_call: np.ndarray) -> None:
        """Learning about competition from the calls that closed this month (``bids_per_call``: mean
        bids per closing call by domain, NaN where none closed)."""
        self.bidders = adapt(self.bidders, bids_per_call, self.rate)
