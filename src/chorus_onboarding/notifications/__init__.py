"""Notifications: domain events turned into emails, with wording a host can replace.

:class:`Notifier` decides who is told what from an event and the current
facts; :class:`Templates` holds the wording in French and English;
:class:`Links` builds the links the emails carry.
"""

from .facts import UnitOfWorkFacts
from .notifier import PARIS, Links, Notifier, paris_time
from .templates import LANGUAGES, EmailTemplate, Templates, fill

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
