"""Analyses of runs (comparison of mixes, lotteries, sweep summaries): they compute, never print."""
