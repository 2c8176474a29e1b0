"""Onboarding on Chorus Pro, the French state's e-invoicing portal, as a pure domain library.

Start with :class:`OnboardingService`, for instance ``OnboardingService.in_memory()``.

The top level holds what a caller of the service passes and receives: the
service and its settings, the actor, the forms, the results, and the values
found in them. The rest lives in its own module:

- every error, :class:`OnboardingError` and its subclasses:
  ``chorus_onboarding.errors``;
- the ports a host may implement (``UnitOfWork``, ``MailSender``,
  ``CompanyDirectory``...) and the records they exchange:
  ``chorus_onboarding.ports``; ``Ports``, the bundle a service is built
  with: ``chorus_onboarding.service``;
- the entities, their lifecycles and the identifiers:
  ``chorus_onboarding.domain.*`` (``domain.accounts`` for ``Account``,
  ``ACCOUNT_LIFECYCLE`` and ``SUGGESTED_SECRET_QUESTIONS``;
  ``domain.structures``, ``domain.attachments``, ``domain.subscriptions``;
  ``domain.identifiers`` for ``Siret``, ``StructureIdentifier``...;
  ``domain.espaces`` for ``OpenEspace`` and the categories;
  ``domain.emails``;
  ``domain.events``);
- ``ActorKind``: ``chorus_onboarding.actors``;
- the adapters (memory, SQL, SMTP...): ``chorus_onboarding.adapters``; the
  emails' links and wording: ``chorus_onboarding.notifications``; the
  outbox relay: ``chorus_onboarding.relay``;
- the kit for testing a host (fakes, contract suites, Hypothesis
  strategies): ``chorus_onboarding.testing``;
- the results as JSON data, with their JSON Schema (``to_json_data``,
  ``json_schema``): ``chorus_onboarding.serialisation``.

``__version__`` is the installed distribution's version.
"""

from importlib import metadata as _metadata

# Imported with the package, so that pydantic and FastAPI know every view
# however it was imported (the module gives them its hooks when loaded).
from . import serialisation as serialisation
from .actors import Actor
from .domain.accounts import AccountState
from .domain.attachments import AttachmentState
from .domain.errors import OnboardingError
from .domain.espaces import Espace, Habilitation
from .domain.history import ManagerAction
from .domain.identifiers import IdentifierType
from .domain.passwords import PasswordPolicy, PasswordStrength
from .domain.structures import Address, CompanyRecord, Purpose, Service, StructureStatus
from .domain.subscriptions import SubscriptionState
from .forms import (
    ExistingStructureRegistration,
    NewStructure,
    NewStructureRegistration,
    StructureNaming,
)
from .service import (
    AccountView,
    AttachmentOrigin,
    AttachmentView,
    Authorisation,
    BatchOutcome,
    EspaceGrant,
    LoginCodeSent,
    LoginResult,
    OnboardingService,
    PasswordResetChallenge,
    Registration,
    RequestHistory,
    Right,
    StructureSummary,
    StructureUser,
    StructureView,
    SubscriptionView,
)
from .settings import OnboardingSettings


def _installed_version() -> str:
    """The version of the installed ``chorus-onboarding``, or ``0+unknown`` if it is not installed.

    The package may be imported from a source tree that was never installed
    (``PYTHONPATH=src``): it has no metadata then, and says so with a version
    lower than any release.
    """
    try:
        return _metadata.version("chorus-onboarding")
    except _metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = _installed_version()
"""The version of the library (PEP 440), from the installed distribution's metadata."""

__all__ = [
    "AccountState",
    "AccountView",
    "Actor",
    "Address",
    "AttachmentOrigin",
    "AttachmentState",
    "AttachmentView",
    "Authorisation",
    "BatchOutcome",
    "CompanyRecord",
    "Espace",
    "EspaceGrant",
    "ExistingStructureRegistration",
    "Habilitation",
    "IdentifierType",
    "LoginCodeSent",
    "LoginResult",
    "ManagerAction",
    "NewStructure",
    "NewStructureRegistration",
    "OnboardingError",
    "OnboardingService",
    "OnboardingSettings",
    "PasswordPolicy",
    "PasswordResetChallenge",
    "PasswordStrength",
    "Purpose",
    "Registration",
    "RequestHistory",
    "Right",
    "Service",
    "StructureNaming",
    "StructureStatus",
    "StructureSummary",
    "StructureUser",
    "StructureView",
    "SubscriptionState",
    "SubscriptionView",
]
