"""Keyed random numbers: uniform, independent, and a pure function of (seed, stream, keys)."""

import numpy as np
from scipy import stats

from sim.base.rng import KeyedDraws, run_seed


def test_uniform_draws_are_uniform_and_in_open_interval():
    d = KeyedDraws(12345)
    u = d.uniform("test", np.arange(200_000))
    assert u.min() > 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(u.mean() - 0.5) < 0.003


def test_streams_and_keys_are_independent():
    d = KeyedDraws(7)
    a = d.uniform("a", np.arange(100_000))
    b = d.uniform("b", np.arange(100_000))
    c = d.uniform("a", np.arange(100_000), 1)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.02
    assert abs(np.corrcoef(a, c)[0, 1]) < 0.02
    # neighbouring keys are not correlated either
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.02


def test_draws_are_addressed_not_consumed():
    d1, d2 = KeyedDraws(99), KeyedDraws(99)
    first = d1.uniform("x", 3, np.arange(10))
    d2.uniform("other", np.arange(1000))  # other draws in between change nothing
    assert np.array_equal(first, d2.uniform("x", 3, np.arange(10)))
    assert not np.array_equal(first, KeyedDraws(100).uniform("x", 3, np.arange(10)))
    # a single element gives the same number as inside a vector
    assert d1.uniform("x", 3, 4) == first[4]


def test_distributions_match_their_parameters():
    d = KeyedDraws(3)
    keys = np.arange(100_000)
    n = d.normal("n", keys, loc=2.0, scale=3.0)
    assert abs(n.mean() - 2.0) < 0.05 and abs(n.std() - 3.0) < 0.05
    p = d.poisson("p", keys, lam=2.5)
    assert abs(p.mean() - 2.5) < 0.03 and abs(p.var() - 2.5) < 0.06
    b = d.binomial("b", keys, n=20, p=0.3)
    assert abs(b.mean() - 6.0) < 0.05
    assert d.binomial("b", keys[:5], n=0, p=0.3).sum() == 0
    ln = d.lognormal("l", keys, median=5.0, sigma=0.5)
    assert abs(np.median(ln) - 5.0) < 0.05


def test_run_seeds_depend_only_on_seed_and_path():
    seeds = [run_seed(1, r) for r in range(20)]
    assert len(set(seeds)) == 20
    assert seeds[:5] == [run_seed(1, r) for r in range(5)]
    assert run_seed(1, 0) != run_seed(2, 0)
    assert run_seed(1, 3, 4) != run_seed(1, 4, 3)
    assert all(0 <= s < 2**63 for s in seeds)


def test_poisson_and_binomial_quantiles_are_scipys():
    """The inverse CDFs without scipy.stats give scipy.stats' quantiles, for small means (mass summed from 0)
    and large ones (bisection), including u near 0 and 1."""
    from sim.base.rng import binomial_quantile, poisson_quantile

    r = np.random.default_rng(5)
    u = np.concatenate([r.uniform(size=20_000), [2.0**-53, 1 - 2.0**-53]])
    n = r.integers(1, 3000, len(u)) // r.integers(1, 300, len(u)) + 1  # mostly small, some large
    p = r.uniform(0, 1, len(u)) ** 3
    assert np.array_equal(binomial_quantile(u, n, p), stats.binom.ppf(u, n, p))
    lam = r.uniform(0, 1, len(u)) ** 4 * 500
    assert np.array_equal(poisson_quantile(u, lam), stats.poisson.ppf(u, lam))
    assert binomial_quantile(0.5, 7, 1.0) == 7 and binomial_quantile(0.5, 7, 0.0) == 0 and poisson_quantile(0.5, 0.0) == 0
    assert np.shape(binomial_quantile(np.full((2, 3), 0.5), np.array([[1], [2]]), 0.5)) == (2, 3)


def test_a_draw_from_a_shared_prefix_is_the_draw_of_the_whole_address():
    """normal_at(bits(stream, *a), *b) gives normal(stream, *a, *b), bit for bit: cells of a grid drawn
    alone (rows' prefixes gathered) are the grid's own draws."""
    d = KeyedDraws(11)
    rows, cols = np.arange(7) * 1_000_003 + 5, np.arange(13) * 7_919 - 40
    grid = d.normal("g", 4, rows[:, None], rows[:, None] + 1, cols, scale=0.7)
    prefix = d.bits("g", 4, rows, rows + 1)
    ri, ci = np.nonzero(np.random.default_rng(2).uniform(size=grid.shape) < 0.5)
    assert len(ri) > 10
    assert d.normal_at(prefix[ri], cols[ci], scale=0.7).tobytes() == grid[ri, ci].tobytes()
    assert d.normal_at(prefix[:, None], cols, scale=0.7).tobytes() == grid.tobytes()
    scalar_prefix = np.full(len(rows), d.bits("s", 4))  # a prefix of scalar keys only extends the same way
    assert d.normal_at(scalar_prefix, rows).tobytes() == d.normal("s", 4, rows).tobytes()
