"""The base of the model's Mesa agents."""

from __future__ import annotations

import itertools
import weakref

import mesa


class _IdCounters(weakref.WeakKeyDictionary):
    """Per-model agent-id counters that do not keep models alive.

    Mesa 3.3.1 numbers agents from a class-level ``defaultdict`` keyed by model, which holds a strong
    reference to every model ever created: in a process that runs thousands of models (sweeps,
    comparisons, twin runs) none would ever be freed. Our agents count in this weak mapping instead.
    """

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class ScenarioAgent(mesa.Agent):
    """Base of the model's agents: Mesa agents whose id counters let finished models be freed."""

    _ids = _IdCounters()
