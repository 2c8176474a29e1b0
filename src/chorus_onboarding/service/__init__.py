"""The service layer: the facade, its results and its wiring."""

from .account_management import AccountView
from .authentication import LoginResult, PasswordResetChallenge
from .core import Ports
from .facade import OnboardingService
from .registration import Registration
from .structures import StructureView

__all__ = [
    "AccountView",
    "LoginResult",
    "OnboardingService",
    "PasswordResetChallenge",
    "Ports",
    "Registration",
    "StructureView",
]
