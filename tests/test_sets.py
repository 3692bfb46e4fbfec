"""The membership helpers of sim.base.sets give what numpy's slower set routines give."""

import numpy as np

from sim.base.sets import among, flags, in_sorted, isin


def test_membership_helpers_agree_with_numpy():
    rng = np.random.default_rng(0)
    for _ in range(200):
        values = rng.integers(-5, 40, rng.integers(0, 30))
        of = rng.integers(-5, 40, rng.integers(0, 30))
        expected = np.isin(values, of)
        np.testing.assert_array_equal(isin(values, of), expected)
        np.testing.assert_array_equal(in_sorted(values, np.sort(of)), expected)
        np.testing.assert_array_equal(in_sorted(values, np.unique(of)), expected)
        choices = tuple(int(c) for c in of[:3])
        np.testing.assert_array_equal(among(values, choices), np.isin(values, choices))
        idx = np.unique(rng.integers(0, 50, rng.integers(0, 10)))
        np.testing.assert_array_equal(flags(idx, 50), np.isin(np.arange(50), idx))
