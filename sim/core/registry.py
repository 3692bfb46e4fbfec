"""The parameter registry, assembled from the core, the pilot-zone rule and every lever module."""

from __future__ import annotations

from sim.core import centre, zones
from sim.levers import LEVERS
from sim.params.registry import Registry, core_params

REGISTRY = Registry()
REGISTRY.add(*core_params())
REGISTRY.add(*zones.PARAMS)
REGISTRY.add(*centre.PARAMS)
for _lever in LEVERS:
    for _p in _lever.PARAMS:
        if not _p.name.startswith(_lever.name + "."):
            raise ValueError(f"{_p.name}: a lever's parameters must be named {_lever.name}.*")
    REGISTRY.add(*_lever.PARAMS)
