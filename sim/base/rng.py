"""Keyed random numbers: every draw is a pure function of (run seed, stream, keys).

A draw is addressed, not consumed: ``draws.uniform("bid", month, supplier_key, scenario_key)``
returns the same number in every run with the same seed, whatever else happened before it. Two
runs that differ by one policy decision (a twin run, a lever switched on) therefore share every
random number that concerns the same entities in the same month — common random numbers by
construction, which is what counterfactual measures (lotteries, lever comparisons) need.

The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied to each key in
turn; the 53 high bits give a float in (0, 1). Leading scalar keys (a month, an entity's key) are
mixed in Python integers, array keys in numpy; both give the same bits. ``tests/test_rng.py`` checks
uniformity and independence across streams and keys.

Poisson and binomial draws invert their CDF at that uniform (the smallest k with F(k) ≥ u), so a
draw stays a function of its address: for the small means the model draws (a few adopters, needs
or domains), by summing the probability mass from 0 (vectorised over the draws); for large means
by bisection on scipy.special's CDF (``bdtr``, ``pdtr``). scipy is imported on first use, which
keeps ``import sim`` light.
"""

from __future__ import annotations

import hashlib

import numpy as np

_U64 = np.uint64
_MASK = 0xFFFFFFFFFFFFFFFF
_GOLDEN, _M1, _M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
# The array form's constants as 0-d arrays: numpy applies a ufunc to an array and a 0-d array with less
# overhead than to an array and a numpy scalar (a month makes ~2,000 keyed draws, most of a few dozen elements).
_GOLDEN_U, _M1_U, _M2_U = np.array(_GOLDEN, _U64), np.array(_M1, _U64), np.array(_M2, _U64)
_S30, _S27, _S31, _S11 = np.array(30, _U64), np.array(27, _U64), np.array(31, _U64), np.array(11, _U64)
_HALF, _TO_UNIT_A = np.array(0.5), np.array(2.0**-53)
_TO_UNIT = 2.0**-53
SMALL_MEAN = 30.0  # Poisson/binomial draws with a mean up to this sum the mass from 0; larger ones bisect


def _mix_int(z: int) -> int:
    """SplitMix64 step on a Python integer (64-bit wrapping arithmetic)."""
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


_SMALL = 256  # below this many elements, in-place operators cost less than ufuncs with ``out=`` (measured)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 step on a uint64 array of at least one dimension, in place (wrapping arithmetic)."""
    if z.size < _SMALL:  # the same operations; a temporary per shift, but no keyword parsing per ufunc
        z += _GOLDEN_U
        z ^= z >> _S30
        z *= _M1_U
        z ^= z >> _S27
        z *= _M2_U
        z ^= z >> _S31
        return z
    t = np.empty_like(z)  # one scratch array for the three shifts
    np.add(z, _GOLDEN_U, out=z)
    np.bitwise_xor(z, np.right_shift(z, _S30, out=t), out=z)
    np.multiply(z, _M1_U, out=z)
    np.bitwise_xor(z, np.right_shift(z, _S27, out=t), out=z)
    np.multiply(z, _M2_U, out=z)
    np.bitwise_xor(z, np.right_shift(z, _S31, out=t), out=z)
    return z


_SPECIAL = []  # scipy.special once imported


def _extend(z: np.ndarray, keys) -> np.ndarray:
    """The mixed bits ``z`` (an array of ours, changed in place where shapes allow) extended by ``keys``."""
    for k in keys:
        k = np.asarray(k).astype(_U64, copy=False)
        if k.shape == z.shape or k.ndim == 0:
            z ^= k
        else:
            z = z ^ k
        _mix(z)
    return z


def _unit(h: np.ndarray) -> np.ndarray:
    """Floats in (0, 1) from the 53 high bits of ``h`` (an array of ours: shifted in place)."""
    h >>= _S11
    u = h.astype(np.float64)
    u += _HALF
    u *= _TO_UNIT_A
    return u


def _special():
    if not _SPECIAL:
        from scipy import special  # on first use: scipy.special takes ~0.3 s to import

        _SPECIAL.append(special)
    return _SPECIAL[0]


def stable_key(name: str) -> int:
    """A stable 64-bit key for a name (Python's ``hash`` is salted per process; this is not)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class KeyedDraws:
    """Random numbers addressed by (stream, *keys) under one run seed."""

    def __init__(self, seed: int):
        self.seed = int(seed) & _MASK
        self._streams: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"KeyedDraws(seed={self.seed})"

    def _stream(self, name: str) -> int:
        key = self._streams.get(name)
        if key is None:
            key = self._streams[name] = _mix_int(self.seed ^ stable_key(name))
        return key

    def _hash(self, stream: str, keys) -> int | np.ndarray:
        """The 64 mixed bits of (stream, *keys): a Python integer if every key is a scalar, else a uint64 array."""
        h = self._streams.get(stream)
        if h is None:
            h = self._stream(stream)
        i = 0
        for k in keys:  # leading scalar keys: in Python integers (_mix_int, inlined: ~3,000 keys a run)
            if isinstance(k, (int, np.integer)) or (isinstance(k, np.ndarray) and k.ndim == 0):
                z = ((h ^ (int(k) & _MASK)) + _GOLDEN) & _MASK
                z = ((z ^ (z >> 30)) * _M1) & _MASK
                z = ((z ^ (z >> 27)) * _M2) & _MASK
                h = z ^ (z >> 31)
                i += 1
            else:
                break
        if i == len(keys):
            return h
        z = np.asarray(keys[i]).astype(_U64)  # a new array (negative keys wrap, as integers do mod 2**64)
        z ^= np.array(h, _U64)
        _mix(z)
        return _extend(z, keys[i + 1:])

    def bits(self, stream: str, *keys) -> np.ndarray:
        """64 random bits per element of the broadcast of ``keys`` (non-negative integers)."""
        return np.asarray(self._hash(stream, keys), dtype=_U64)

    def uniform(self, stream: str, *keys) -> np.ndarray:
        """Uniform draws in the open interval (0, 1)."""
        h = self._hash(stream, keys)
        if isinstance(h, int):
            return np.float64(((h >> 11) + 0.5) * _TO_UNIT)  # the same float as the array form below
        return _unit(h)

    def normal(self, stream: str, *keys, loc=0.0, scale=1.0) -> np.ndarray:
        return loc + scale * _special().ndtri(self.uniform(stream, *keys))  # the standard normal quantile

    @staticmethod
    def normal_at(prefix: np.ndarray, *keys, loc=0.0, scale=1.0) -> np.ndarray:
        """``normal(stream, *a, *keys)`` given ``prefix = bits(stream, *a)`` (an array): the same numbers,
        element by element of the broadcast of ``prefix`` and ``keys``. For drawing only some cells of a
        grid of addresses whose rows share the leading keys (gather the rows' prefixes, then extend)."""
        z = _extend(np.array(prefix, dtype=_U64), keys)
        return loc + scale * _special().ndtri(_unit(z))

    def lognormal(self, stream: str, *keys, median=1.0, sigma=1.0) -> np.ndarray:
        return median * np.exp(sigma * _special().ndtri(self.uniform(stream, *keys)))

    def poisson(self, stream: str, *keys, lam) -> np.ndarray:
        return poisson_quantile(self.uniform(stream, *keys), lam)

    def binomial(self, stream: str, *keys, n, p) -> np.ndarray:
        return binomial_quantile(self.uniform(stream, *keys), n, p)


def poisson_quantile(u, lam) -> np.ndarray:
    """The Poisson(``lam``) quantile at ``u`` in (0, 1): the smallest k with F(k) ≥ u (0 where lam ≤ 0)."""
    u, lam = _broadcast(np.asarray(u, dtype=float), np.asarray(lam, dtype=float))
    out = np.zeros(u.shape, dtype=np.int64)
    live = lam > 0
    if not np.count_nonzero(live):
        return out
    u, lam = u[live], lam[live]
    small = lam <= SMALL_MEAN
    if np.count_nonzero(small) == len(small):
        out[live] = _count_below(u, np.exp(-lam), lambda k: lam / k)
        return out
    k = np.zeros(len(u), dtype=np.int64)
    us, ls = u[small], lam[small]
    k[small] = _count_below(us, np.exp(-ls), lambda j: ls / j)
    ub, lb = u[~small], lam[~small]  # (not empty: some mean is above SMALL_MEAN)
    k[~small] = _bisect(ub, np.ceil(lb + 10.0 * np.sqrt(lb) + 10.0), lambda j: _special().pdtr(j, lb))
    out[live] = k
    return out


def binomial_quantile(u, n, p) -> np.ndarray:
    """The Binomial(``n``, ``p``) quantile at ``u`` in (0, 1): the smallest k with F(k) ≥ u (0 where n ≤ 0
    or p ≤ 0; p above 1 counts as 1)."""
    u, n, p = _broadcast(np.asarray(u, dtype=float), np.asarray(n, dtype=np.int64), np.asarray(p, dtype=float))
    out = np.zeros(u.shape, dtype=np.int64)
    live = (n > 0) & (p > 0)
    if not np.count_nonzero(live):
        return out
    u, n, p = u[live], n[live], p[live]
    with np.errstate(divide="ignore"):
        log_p0 = n * np.log1p(-np.minimum(p, 1.0))  # log P(X = 0); −inf where p ≥ 1
    small = (n * p <= SMALL_MEAN) & (log_p0 > -600.0)  # P(X = 0) representable: sum the mass from 0
    if np.count_nonzero(small) == len(small):
        out[live] = _binomial_small(u, n, p, log_p0)
        return out
    k = np.zeros(len(u), dtype=np.int64)
    k[small] = _binomial_small(u[small], n[small], p[small], log_p0[small])
    sure = p >= 1.0
    k[sure] = n[sure]
    big = ~small & ~sure
    if np.count_nonzero(big):  # (none when every draw not summed from 0 has p ≥ 1)
        ub, nb, pb = u[big], n[big], p[big]
        k[big] = _bisect(ub, nb.astype(float), lambda j: _special().bdtr(j, nb, pb))
    out[live] = k
    return out


def _broadcast(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays broadcast to one shape (as they are if they have it already: np.broadcast_arrays
    costs microseconds, and a run draws a few hundred Poisson and binomial counts a month)."""
    shape = arrays[0].shape
    if all(a.shape == shape for a in arrays[1:]):
        return arrays
    return tuple(np.broadcast_arrays(*arrays))


def _binomial_small(u, n, p, log_p0):
    odds = p / (1.0 - p)
    return np.minimum(_count_below(u, np.exp(log_p0), lambda k: (n - k + 1) / k * odds), n)


def _count_below(u: np.ndarray, pmf0: np.ndarray, ratio) -> np.ndarray:
    """How many k = 0, 1, … have F(k) < u, summing the mass from pmf(0) = ``pmf0`` with pmf(k) = pmf(k−1) ×
    ``ratio(k)`` (F rises, so a draw that stops counting never resumes). The loop runs as many times as
    the largest draw."""
    count = np.zeros(len(u), dtype=np.int64)
    pmf, cdf = pmf0, pmf0.copy()
    below = cdf < u
    k = 0
    while np.count_nonzero(below):  # (cheaper than below.any() on the small arrays of a month)
        count += below
        k += 1
        pmf = pmf * ratio(k)
        cdf += pmf
        below &= (cdf < u) & (pmf > 1e-17 * cdf)  # stop where F has converged (u within rounding of 1)
    return count


def _bisect(u: np.ndarray, hi: np.ndarray, cdf) -> np.ndarray:
    """The smallest integer k in [0, ``hi``] (``hi`` raised until F(hi) ≥ u) with F(k) ≥ u, by bisection."""
    hi = hi.copy()
    while np.any(low := cdf(hi) < u):
        hi[low] *= 2.0
    lo = np.zeros(len(u))
    while np.any(open_ := lo < hi):
        mid = np.floor((lo + hi) / 2.0)
        ok = cdf(mid) >= u
        hi = np.where(open_ & ok, mid, hi)
        lo = np.where(open_ & ~ok, mid + 1.0, lo)
    return lo.astype(np.int64)


def bernoulli_positions(draws, stream: str, t: int, keys: np.ndarray, n: np.ndarray, p: float
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Keep each of ``n[i]`` items of group ``i`` independently with probability ``p``; return the
    (group, position) of the kept items, positions increasing within a group.

    The cost is proportional to the items kept, not to ``n.sum()``: the gaps between kept items are
    geometric (the j-th gap of group i is ``1 + floor(log u / log(1 − p))`` with ``u`` the keyed draw
    ``(stream, t, keys[i], j)``; Devroye, *Non-Uniform Random Variate Generation*, 1986, §X.2), drawn
    in rounds sized to cover each group's expected count with a margin, until every group's next kept
    position lies past its end."""
    n = np.asarray(n, dtype=np.int64)
    keys = np.asarray(keys)
    empty = np.zeros(0, dtype=np.int64)
    if p <= 0.0 or len(n) == 0 or n.sum() == 0:
        return empty, empty
    if p >= 1.0:
        g = np.repeat(np.arange(len(n)), n)
        return g, np.arange(len(g)) - np.repeat(np.cumsum(n) - n, n)
    log_q = np.log1p(-p)
    groups, positions = [], []
    last = np.full(len(n), -1, dtype=np.int64)  # the last kept position so far
    drawn = np.zeros(len(n), dtype=np.int64)  # gaps drawn so far
    live = np.flatnonzero(n > 0)
    cap = int(n.max()) + 1
    while len(live):
        mean = (n[live] - last[live] - 1) * p
        m = np.ceil(mean + 4.0 * np.sqrt(mean) + 2.0).astype(np.int64)  # gaps this round
        first = np.cumsum(m) - m  # each live group's first gap of the round
        g = np.repeat(live, m)
        within = np.arange(len(g)) - np.repeat(first, m)
        u = draws.uniform(stream, t, keys[g], drawn[g] + within)
        gap = np.minimum(1.0 + np.floor(np.log(u) / log_q), cap).astype(np.int64)
        cs = np.cumsum(gap)
        pos = last[g] + cs - np.repeat(cs[first] - gap[first], m)
        keep = pos < n[g]
        groups.append(g[keep])
        positions.append(pos[keep])
        end = first + m - 1
        drawn[live] += m
        last[live] = pos[end]
        live = live[pos[end] < n[live]]
    if len(groups) == 1:  # one round: already by group, positions increasing within each
        return groups[0], positions[0]
    g, pos = np.concatenate(groups), np.concatenate(positions)
    order = np.lexsort((pos, g))
    return g[order], pos[order]


def run_seed(seed: int, *path: int) -> int:
    """The model seed of one run: derived from an experiment seed and a path (point, replicate).

    Uses numpy's SeedSequence so that seeds of different paths are statistically independent and
    do not depend on how many runs there are or in which order they execute.
    """
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(int(p) for p in path))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))  # fits in int64
