"""Policy levers, one module each. To add a lever: write a module with a :class:`Lever` subclass
(its parameters in ``PARAMS``, its mechanism in hooks) and list the class in ``LEVERS``."""

from .attraction import Attraction
from .base import Lever
from .data_opening import DataOpening
from .diligence_exemption import DiligenceExemption
from .finance import Finance
from .grant_to_equity import GrantToEquity
from .matchmaking import Matchmaking
from .pilot_bases import PilotBases
from .procurement import Procurement
from .racing import Racing
from .sandbox import Sandbox
from .soe_duty import SoeDuty
from .try_first import TryFirst
from .vouchers import Vouchers

LEVERS: list[type[Lever]] = [Matchmaking, Vouchers, GrantToEquity, Procurement, TryFirst, DiligenceExemption,
                             Sandbox, SoeDuty, Finance, PilotBases, Racing, Attraction, DataOpening]

__all__ = ["LEVERS", "Lever"]
