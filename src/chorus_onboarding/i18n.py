"""The library's texts in other languages: gettext catalogues, read with the standard library.

Every message and email is written in French, the portal's language, and
that French text is the ``msgid``: the code reads as the portal speaks, and a
language without a catalogue, or a catalogue lacking a text, shows the
French. Short words that could mean two things (a field's name, a reason, a
kind of record, a state, what a field expects) carry a ``msgctxt``.

The catalogues are in ``chorus_onboarding/locale/<language>/LC_MESSAGES/
messages.mo``, compiled and shipped with the package, so nothing but
:mod:`gettext` runs here. A host adds a language, or rewords one, by
adding a directory of its own catalogues with :func:`add_locale_dir`: its
catalogues are read before the library's.
"""

from __future__ import annotations

import gettext
import re
import string
import typing
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCALE_DIR = Path(__file__).with_name("locale")
"""Where the library's own catalogues are."""

DOMAIN = "messages"
"""The gettext domain: the catalogues' file name, without ``.po`` or ``.mo``."""

# A language tag as gettext names its folders (fr, en, en_GB, pt_BR): anything
# else, a header's junk or a path, never reaches the file system.
_TAG = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")

_host_dirs: list[Path] = []


def add_locale_dir(directory: str | PathLike[str]) -> None:
    """Read catalogues from ``directory`` too, before the library's own.

    ``directory`` holds ``<language>/LC_MESSAGES/messages.mo`` files, built
    from the library's ``messages.pot``. A text a host catalogue lacks comes
    from the library's catalogue of that language, then the French.
    """
    # Imported here: the errors read their texts through this module.
    from .domain.errors import InvalidInput

    path = Path(directory)
    if not path.is_dir():
        raise InvalidInput(field="locale_dir", expected="dossier de catalogues existant")
    if path not in _host_dirs:
        _host_dirs.insert(0, path)
    translations.cache_clear()


def remove_locale_dir(directory: str | PathLike[str]) -> None:
    """Stop reading catalogues from ``directory`` (added by :func:`add_locale_dir`)."""
    path = Path(directory)
    if path in _host_dirs:
        _host_dirs.remove(path)
    translations.cache_clear()


@lru_cache(maxsize=32)
def translations(language: str) -> gettext.NullTranslations:
    """The catalogues of ``language``, the host's first: French text for what none has."""
    tag = language.strip() if isinstance(language, str) else ""
    if not _TAG.fullmatch(tag):
        return gettext.NullTranslations()
    tag = tag.replace("-", "_")
    found = gettext.NullTranslations()
    for directory in (*_host_dirs, LOCALE_DIR):
        catalogue = gettext.translation(DOMAIN, directory, languages=[tag], fallback=True)
        if type(catalogue) is not gettext.NullTranslations:
            # The first found is read first; the next ones fill in what it lacks.
            if type(found) is gettext.NullTranslations:
                found = catalogue
            else:
                found.add_fallback(catalogue)
    return found


def translate(language: str, text: str, context: str | None = None) -> str:
    """``text`` (French) in ``language``, within ``context`` when given."""
    catalogue = translations(language)
    return catalogue.pgettext(context, text) if context else catalogue.gettext(text)


# Named as gettext tools expect markers to be named.
def N_(text: str) -> str:  # noqa: N802
    """Marks ``text`` for extraction into the catalogues; gives it back unchanged."""
    return text


def NP_(context: str, text: str) -> str:  # noqa: N802
    """Marks ``text`` within ``context`` for extraction; gives the text back unchanged."""
    return text


_LABEL_CONTEXTS: dict[type, str] = {}

L = typing.TypeVar("L", bound=type)


def labelled(context: str) -> typing.Callable[[L], L]:
    """Class decorator: the class's ``label`` (French) is translated within ``context``.

    For the enums a page shows (an account's state, an espace, a right...):
    :func:`label_in` then gives a value's label in any language.
    """

    def register(cls: L) -> L:
        _LABEL_CONTEXTS[cls] = context
        return cls

    return register


def label_in(value: object, language: str = "fr") -> str:
    """The ``label`` of ``value`` (an espace, a right, a state...) in ``language``.

    ``label_in(Habilitation.MODIFICATION, "en")`` is ``"view and modify"``.
    A value of a class not :func:`labelled` is refused.
    """
    context = _LABEL_CONTEXTS.get(type(value))
    label = getattr(value, "label", None)
    if context is None or not isinstance(label, str):
        # Imported here: the errors read their texts through this module.
        from .domain.errors import InvalidInput

        raise InvalidInput(field="value", expected="valeur qui a un libellé")
    return translate(language, label, context)


PARIS = ZoneInfo("Europe/Paris")
"""The portal's time zone: the default of dates in messages and emails."""

_MONTHS = (
    NP_("month", "janvier"),
    NP_("month", "février"),
    NP_("month", "mars"),
    NP_("month", "avril"),
    NP_("month", "mai"),
    NP_("month", "juin"),
    NP_("month", "juillet"),
    NP_("month", "août"),
    NP_("month", "septembre"),
    NP_("month", "octobre"),
    NP_("month", "novembre"),
    NP_("month", "décembre"),
)
# As the portal shows a deadline; a catalogue may reorder the fields or name the month.
_DATE_TIME = NP_(
    "date and time", "{day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d}:{second:02d}"
)
_IN_PARIS = NP_("time zone", "{when} (heure locale France métropolitaine, GMT{offset})")
_IN_ZONE = NP_("time zone", "{when} (heure de {city}, GMT{offset})")


def time_zone_named(value: object) -> ZoneInfo:
    """The time zone ``value`` names (``"Europe/Paris"``), or the zone itself when given one."""
    # Imported here: the errors read their texts through this module.
    from .domain.errors import InvalidInput

    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str) or len(value) > 100:
        raise InvalidInput(field="time_zone", expected="fuseau horaire (Europe/Paris...)")
    try:
        return ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise InvalidInput(field="time_zone", expected="fuseau horaire (Europe/Paris...)") from None


class _Fields(dict[str, Any]):
    # A catalogue naming a field the library does not give shows it empty.
    def __missing__(self, key: str) -> str:
        return ""


def fill(text: str, fields: Mapping[str, Any]) -> str:
    """``text`` with its ``{placeholders}`` replaced from ``fields`` (unknown ones empty)."""
    return string.Formatter().vformat(text, (), _Fields(fields))


def format_instant(instant: datetime, language: str = "fr", zone: ZoneInfo = PARIS) -> str:
    """``instant`` as a date and time in ``zone``, labelled with the zone, in ``language``.

    ``03/02/2018 10:05:10 (heure locale France métropolitaine, GMT+1)`` in
    French, ``3 February 2018 10:05:10 (Paris time, UTC+1)`` in English; in
    another zone ``(heure de New York, GMT-5)``, ``(New York time, UTC-5)``.
    """
    local = instant.astimezone(zone)
    offset = local.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    when = fill(
        translate(language, _DATE_TIME, "date and time"),
        {
            "day": local.day,
            "month": local.month,
            "month_name": translate(language, _MONTHS[local.month - 1], "month"),
            "year": local.year,
            "hour": local.hour,
            "minute": local.minute,
            "second": local.second,
        },
    )
    label = _IN_PARIS if zone.key == PARIS.key else _IN_ZONE
    city = zone.key.rsplit("/", 1)[-1].replace("_", " ")
    return fill(
        translate(language, label, "time zone"),
        {"when": when, "offset": f"{hours:+d}", "city": city},
    )
