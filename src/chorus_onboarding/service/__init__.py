"""The service layer: the facade, its results and its wiring."""

from .account_management import AccountView
from .authentication import LoginResult
from .core import Ports
from .facade import OnboardingService
from .registration import Registration

__all__ = ["AccountView", "LoginResult", "OnboardingService", "Ports", "Registration"]
