"""Keyed random numbers: every draw is a pure function of (run seed, stream, keys).

A draw is addressed, not consumed: ``draws.uniform("bid", month, supplier_key, scenario_key)``
returns the same number in every run with the same seed, whatever else happened before it. Two
runs that differ by one policy decision (a twin run, a lever switched on) therefore share every
random number that concerns the same entities in the same month — common random numbers by
construction, which is what counterfactual measures (lotteries, lever comparisons) need.

The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied to each key in
turn; the 53 high bits give a float in (0, 1). ``tests/test_rng.py`` checks uniformity and
independence across streams and keys.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy import special, stats

_U64 = np.uint64
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = _U64(30), _U64(27), _U64(31), _U64(11)
_TO_UNIT = 2.0**-53


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 step on a uint64 array (wrapping arithmetic)."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def stable_key(name: str) -> int:
    """A stable 64-bit key for a name (Python's ``hash`` is salted per process; this is not)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class KeyedDraws:
    """Random numbers addressed by (stream, *keys) under one run seed."""

    def __init__(self, seed: int):
        self.seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self._streams: dict[str, np.uint64] = {}

    def __repr__(self) -> str:
        return f"KeyedDraws(seed={self.seed})"

    def _stream(self, name: str) -> np.uint64:
        key = self._streams.get(name)
        if key is None:
            with np.errstate(over="ignore"):
                key = _mix(np.array([self.seed ^ stable_key(name)], dtype=_U64))[0]
            self._streams[name] = key
        return key

    def bits(self, stream: str, *keys) -> np.ndarray:
        """64 random bits per element of the broadcast of ``keys`` (non-negative integers)."""
        h = self._stream(stream)
        with np.errstate(over="ignore"):
            for k in keys:
                h = _mix(np.bitwise_xor(h, np.asarray(k).astype(_U64)))
        return np.asarray(h, dtype=_U64)

    def uniform(self, stream: str, *keys) -> np.ndarray:
        """Uniform draws in the open interval (0, 1)."""
        b = self.bits(stream, *keys) >> _S11
        return (b.astype(np.float64) + 0.5) * _TO_UNIT

    def normal(self, stream: str, *keys, loc=0.0, scale=1.0) -> np.ndarray:
        return loc + scale * special.ndtri(self.uniform(stream, *keys))  # the standard normal quantile

    def lognormal(self, stream: str, *keys, median=1.0, sigma=1.0) -> np.ndarray:
        return median * np.exp(sigma * special.ndtri(self.uniform(stream, *keys)))

    def poisson(self, stream: str, *keys, lam) -> np.ndarray:
        lam = np.asarray(lam, dtype=float)
        u = self.uniform(stream, *keys)
        out = np.zeros(np.broadcast(u, lam).shape, dtype=np.int64)
        pos = np.broadcast_to(lam, out.shape) > 0
        if pos.any():
            out[pos] = stats.poisson.ppf(np.broadcast_to(u, out.shape)[pos], np.broadcast_to(lam, out.shape)[pos])
        return out

    def binomial(self, stream: str, *keys, n, p) -> np.ndarray:
        n = np.asarray(n, dtype=np.int64)
        p = np.asarray(p, dtype=float)
        u = self.uniform(stream, *keys)
        shape = np.broadcast(u, n, p).shape
        out = np.zeros(shape, dtype=np.int64)
        n_b, p_b, u_b = (np.broadcast_to(a, shape) for a in (n, p, u))
        live = (n_b > 0) & (p_b > 0)
        if live.any():
            out[live] = stats.binom.ppf(u_b[live], n_b[live], np.minimum(p_b[live], 1.0))
        return out


def run_seed(seed: int, *path: int) -> int:
    """The model seed of one run: derived from an experiment seed and a path (point, replicate).

    Uses numpy's SeedSequence so that seeds of different paths are statistically independent and
    do not depend on how many runs there are or in which order they execute.
    """
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(int(p) for p in path))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))  # fits in int64
