"""Policy levers, one module each. To add a lever: write a module with a :class:`Lever` subclass
(its parameters in ``PARAMS``, its mechanism in hooks) and list the class in ``LEVERS``."""

from sim.levers.attraction import Attraction
from sim.levers.base import Lever
from sim.levers.challenge import Challenge
from sim.levers.data_opening import DataOpening
from sim.levers.diligence_exemption import DiligenceExemption
from sim.levers.finance import Finance
from sim.levers.grant_to_equity import GrantToEquity
from sim.levers.matchmaking import Matchmaking
from sim.levers.pilot_bases import PilotBases
from sim.levers.procurement import Procurement
from sim.levers.racing import Racing
from sim.levers.sandbox import Sandbox
from sim.levers.soe_duty import SoeDuty
from sim.levers.try_first import TryFirst
from sim.levers.vouchers import Vouchers

LEVERS: list[type[Lever]] = [Matchmaking, Vouchers, GrantToEquity, Procurement, TryFirst, DiligenceExemption,
                             Sandbox, SoeDuty, Finance, PilotBases, Racing, Challenge, Attraction, DataOpening]

__all__ = ["LEVERS", "Lever"]
