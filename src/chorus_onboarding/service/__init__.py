"""The service layer: the facade, its results and its wiring."""

from .access import Right, StructureUser
from .account_management import AccountView
from .attachments import AttachmentOrigin, AttachmentView, BatchOutcome
from .authentication import PasswordResetChallenge
from .context import Ports
from .facade import OnboardingService
from .grants import EspaceGrant
from .my_account import Authorisation, RequestHistory
from .registration import Registration
from .second_factor import LoginCodeSent
from .sessions import LoginResult
from .structures import StructureSummary, StructureView
from .subscriptions import SubscriptionView

__all__ = [
    "AccountView",
    "AttachmentOrigin",
    "AttachmentView",
    "Authorisation",
    "BatchOutcome",
    "EspaceGrant",
    "LoginCodeSent",
    "LoginResult",
    "OnboardingService",
    "PasswordResetChallenge",
    "Ports",
    "Registration",
    "RequestHistory",
    "Right",
    "StructureSummary",
    "StructureUser",
    "StructureView",
    "SubscriptionView",
]
