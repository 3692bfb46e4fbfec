"""Policy levers, one module each. To add a lever: write a module with a :class:`Lever` subclass
(its parameters in ``PARAMS``, its mechanism in hooks) and list the class in ``LEVERS``."""

from .base import Lever
from .grant_to_equity import GrantToEquity
from .matchmaking import Matchmaking
from .procurement import Procurement
from .vouchers import Vouchers

LEVERS: list[type[Lever]] = [Matchmaking, Vouchers, GrantToEquity, Procurement]

__all__ = ["LEVERS", "Lever"]
