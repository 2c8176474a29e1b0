"""Notifications: domain events turned into emails, with wording a host can replace.

:class:`Notifier` decides who is told what from an event and the current
facts; :class:`Templates` holds the wording (French, and the catalogues' languages);
:class:`Links` builds the links the emails carry.
"""

from ..i18n import PARIS, fill
from .facts import UnitOfWorkFacts
from .notifier import Links, Notifier, paris_time
from .templates import LANGUAGES, EmailTemplate, Templates

__all__ = [
    "LANGUAGES",
    "PARIS",
    "EmailTemplate",
    "Links",
    "Notifier",
    "Templates",
    "UnitOfWorkFacts",
    "fill",
    "paris_time",
]
