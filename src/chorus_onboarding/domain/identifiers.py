"""Identifiers of structures on Chorus Pro, and the validators behind them.

Each identifier kind is a frozen value object holding its normalised text,
with the same three class methods everywhere: ``validate(text)`` returns the
normalised text or raises the kind's error, ``is_valid(text)`` answers yes or
no, ``parse(text)`` builds the object. Constructing one validates too, so an
invalid identifier cannot exist.

>>> Siret.parse("732 829 320 00074").formatted
'732 829 320 00074'
>>> Rcs.validate("732 829 320 R.C.S. Nanterre")
'RCS NANTERRE 732 829 320'
>>> EuVat.is_valid("FR40303265045")  # French numbers are not "outside France"
False
>>> StructureIdentifier.parse("siret", "73282932000074").key
'SIRET:73282932000074'
>>> str(StructureIdentifier.assigned(IdentifierType.PARTICULIER, 42))
'PART0000000042'
"""

from __future__ import annotations

import abc
import enum
import re
import unicodedata
from typing import ClassVar, Self

import attrs
import stdnum.exceptions
from stdnum.eu import vat as stdnum_vat
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from .errors import (
    IdentifierNotExpected,
    InvalidEuVat,
    InvalidForeignIdentifier,
    InvalidIdentifier,
    InvalidInput,
    InvalidPacage,
    InvalidRcs,
    InvalidRidet,
    InvalidSiren,
    InvalidSiret,
    InvalidTahiti,
    RcsSirenMismatch,
)


class IdentifierType(enum.Enum):
    """The kind of identifier a structure registers with (Chorus Pro's codes)."""

    SIRET = "SIRET"
    UE_HORS_FRANCE = "UE_HORS_FRANCE"
    HORS_UE = "HORS_UE"
    RIDET = "RIDET"
    TAHITI = "TAHITI"
    PARTICULIER = "PARTICULIER"
    AUTRE = "AUTRE"

    @property
    def label(self) -> str:
        """The French label the portal shows for this type."""
        return _LABELS[self]

    @property
    def takes_identifier(self) -> bool:
        """Whether the user types an identifier (False: the library assigns one)."""
        return self not in _ASSIGNED

    @classmethod
    def parse(cls, value: object) -> IdentifierType:
        """The type for ``value``: a member, or its code in any case, spaces around.

        >>> IdentifierType.parse(" ue_hors_france ")
        <IdentifierType.UE_HORS_FRANCE: 'UE_HORS_FRANCE'>
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            member = cls.__members__.get(value.strip().upper())
            if member is not None:
                return member
        raise InvalidInput(field="identifier_type", expected="type d'identifiant")


# As the portal's "Vous êtes ?" list writes them (the guide « Créer un compte
# utilisateur et s'authentifier », 1.3 and 1.5); the codes above stay the API's.
_LABELS = {
    IdentifierType.SIRET: "Structure avec n° SIRET",
    IdentifierType.UE_HORS_FRANCE: "Structure européenne hors France",
    IdentifierType.HORS_UE: "Structure hors union européenne",
    IdentifierType.RIDET: "Structure avec un RIDET",
    IdentifierType.TAHITI: "Structure avec numéro TAHITI",
    IdentifierType.PARTICULIER: "Particulier",
    IdentifierType.AUTRE: "En cours d'immatriculation",
}

# Prefix and digit count of the identifiers the library assigns itself.
_ASSIGNED = {IdentifierType.PARTICULIER: ("PART", 10), IdentifierType.AUTRE: ("IMMAT", 9)}

# Nothing legitimate is this long; refusing early keeps regexes and
# python-stdnum away from megabytes of junk.
_MAX_RAW = 256
_DIGITS = re.compile(r"[0-9]+")


class _RejectedError(Exception):
    """Internal: a check failed for ``reason``; the base turns it into the kind's error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digits(text: str, length: int) -> str:
    if not _DIGITS.fullmatch(text):
        raise _RejectedError("format")
    if len(text) != length:
        raise _RejectedError("length")
    return text


@attrs.frozen
class _Identifier(abc.ABC):
    """Shared machinery: type and size guards, cleaning, stdnum error mapping.

    A kind sets ``error`` (its error class), may set ``separators`` or
    override ``_clean``, and implements ``_normalise`` on cleaned, non-empty
    text, raising ``_RejectedError(reason)`` or a python-stdnum error.
    """

    value: str

    error: ClassVar[type[InvalidIdentifier]] = InvalidIdentifier
    # Characters users put between digits, dropped along with all whitespace.
    separators: ClassVar[str] = ".-"

    def __attrs_post_init__(self) -> None:
        # Frozen: attrs' documented way to store the normalised form.
        object.__setattr__(self, "value", type(self).validate(self.value))

    def __str__(self) -> str:
        return self.value

    @classmethod
    def validate(cls, text: object, *, field: str | None = None) -> str:
        """The normalised identifier, or the kind's error (with ``field``)."""
        try:
            if not isinstance(text, str):
                raise _RejectedError("type")
            if len(text) > _MAX_RAW:
                raise _RejectedError("length")
            cleaned = cls._clean(text)
            if not cleaned:
                raise _RejectedError("empty")
            return cls._normalise(cleaned)
        except _RejectedError as exc:
            raise cls.error(reason=exc.reason, field=field) from None
        except stdnum.exceptions.ValidationError as exc:
            raise cls.error(reason=_stdnum_reason(exc), field=field) from None

    @classmethod
    def is_valid(cls, text: object) -> bool:
        """Whether ``validate`` would accept ``text``."""
        try:
            cls.validate(text)
        except InvalidIdentifier:
            return False
        return True

    @classmethod
    def parse(cls, text: object, *, field: str | None = None) -> Self:
        """Validate ``text`` and build the value object."""
        return cls(cls.validate(text, field=field))

    @classmethod
    def _clean(cls, text: str) -> str:
        compact = "".join(text.split())
        return compact.translate({ord(c): None for c in cls.separators})

    @classmethod
    def identity(cls, value: str) -> str:
        """What tells two normalised values of this kind apart: the value itself, by default."""
        return value

    @classmethod
    @abc.abstractmethod
    def _normalise(cls, cleaned: str) -> str:
        """The checked, normalised value of ``cleaned``; each kind has its own rule."""


def _stdnum_reason(exc: stdnum.exceptions.ValidationError) -> str:
    if isinstance(exc, stdnum.exceptions.InvalidChecksum):
        return "checksum"
    if isinstance(exc, stdnum.exceptions.InvalidLength):
        return "length"
    return "format"


@attrs.frozen
class Siren(_Identifier):
    """A SIREN: 9 digits, the last a Luhn check digit (``"732829320"``)."""

    error = InvalidSiren

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        return str(stdnum_siren.validate(_digits(cleaned, 9)))

    @property
    def formatted(self) -> str:
        """Grouped by three, as printed on a Kbis: ``"732 829 320"``."""
        return str(stdnum_siren.format(self.value))


@attrs.frozen
class Siret(_Identifier):
    """A SIRET: SIREN + 5-digit NIC, 14 digits, Luhn-checked.

    La Poste's establishments (SIREN 356000000) are the one exception: their
    digits must add up to a multiple of 5; python-stdnum knows it.
    """

    error = InvalidSiret

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        return str(stdnum_siret.validate(_digits(cleaned, 14)))

    @property
    def siren(self) -> Siren:
        """The company part, first 9 digits."""
        return Siren(self.value[:9])

    @property
    def nic(self) -> str:
        """The establishment part, last 5 digits."""
        return self.value[9:]

    @property
    def formatted(self) -> str:
        """``"732 829 320 00074"``."""
        return str(stdnum_siret.format(self.value))


_RCS_MARK = re.compile(r"(?<![A-Z])R\.?\s?C\.?\s?S\b\.?")
_SIREN_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{3})[ .-]?([0-9]{3})[ .-]?([0-9]{3})(?![0-9])")
_RCS_LETTERS = frozenset("ABCD")
_OF = re.compile(r"^(?:DE(?: |$)|D' ?)")  # "RCS de Paris", "RCS d'Évry"
_GREFFE = re.compile(r"[A-Z]+(?:(?: |-|' ?)[A-Z]+)*")


@attrs.frozen
class Rcs(_Identifier):
    """An RCS registration: greffe (court registry), optional letter, SIREN.

    Accepted spellings include ``"RCS Paris B 732 829 320"``, ``"R.C.S. de
    Paris 732829320"`` and ``"732 829 320 R.C.S. Nanterre"``. The canonical
    form is ``"RCS <GREFFE> [<A|B|C|D>] <NNN NNN NNN>"``: greffe upper case
    without accents (a leading "de"/"d'" dropped), the letter only when given
    (A trader, B company, C GIE, D civil company), the SIREN grouped by three.

    >>> Rcs.validate("rcs d'Évry b 732829320")
    'RCS EVRY B 732 829 320'
    """

    error = InvalidRcs

    @classmethod
    def _clean(cls, text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
        ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
        return " ".join(ascii_only.upper().split())

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        sirens = list(_SIREN_IN_TEXT.finditer(cleaned))
        if len(sirens) != 1:
            raise _RejectedError("format")
        siren = stdnum_siren.validate("".join(sirens[0].groups()))
        rest = cleaned[: sirens[0].start()] + " " + cleaned[sirens[0].end() :]
        words = _RCS_MARK.sub(" ", rest).replace(",", " ").split()
        letters = [w for w in words if w in _RCS_LETTERS]
        words = [w for w in words if w not in _RCS_LETTERS]
        greffe = _OF.sub("", " ".join(words), count=1)
        # A greffe still starting with "de" would lose it on the next pass.
        shape_ok = _GREFFE.fullmatch(greffe) and not _OF.match(greffe)
        if len(letters) > 1 or len(greffe) > 60 or not shape_ok:
            raise _RejectedError("format")
        return " ".join(["RCS", greffe, *letters, stdnum_siren.format(siren)])

    @property
    def siren(self) -> Siren:
        """The SIREN the registration carries."""
        return Siren(self.value[-11:])

    @property
    def greffe(self) -> str:
        """The registry's city, as normalised (``"PARIS"``)."""
        middle = self.value[4:-12]
        has_letter = middle[-2:-1] == " " and middle[-1] in _RCS_LETTERS
        return middle[:-2] if has_letter else middle

    def check_matches(self, siret: Siret) -> None:
        """Raise :class:`RcsSirenMismatch` unless ``siret`` has this SIREN."""
        if siret.siren != self.siren:
            raise RcsSirenMismatch(field="rcs", reason="mismatch")


# Members of the EU by VAT prefix: Greece writes EL, Northern Ireland's XI is
# a UK number under the protocol, not a member state, and France is excluded
# by definition of UE_HORS_FRANCE.
_EU_VAT_PREFIXES = (frozenset(stdnum_vat.MEMBER_STATES) - {"fr", "xi", "gr"}) | {"el"}
_EU_VAT_SHAPE = re.compile(r"[A-Z]{2}[0-9A-Z+*]+")


@attrs.frozen
class EuVat(_Identifier):
    """An intra-EU VAT number of a member state other than France.

    Normalised as python-stdnum compacts it (upper case, no separators, with
    the country prefix), except that Greek numbers always use the official
    prefix EL (never GR).

    >>> EuVat.parse("de 136 695 976").country
    'DE'
    """

    error = InvalidEuVat
    separators = ".-/,"

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        number = cleaned.upper()
        if not _EU_VAT_SHAPE.fullmatch(number):
            raise _RejectedError("format")
        if number.startswith("GR"):
            number = "EL" + number[2:]
        if number[:2].lower() not in _EU_VAT_PREFIXES:
            raise _RejectedError("country")
        return str(stdnum_vat.validate(number))

    @property
    def country(self) -> str:
        """The ISO 3166 code of the member state (``"GR"`` for prefix EL)."""
        prefix = self.value[:2]
        return "GR" if prefix == "EL" else prefix


@attrs.frozen
class Ridet(_Identifier):
    """A RIDET number (New Caledonia): company number, then establishment rank.

    The company number has 6 or 7 digits and the rank 3, written with or
    without separators (``"1234567.001"``, ``"1 234 567 001"``,
    ``"123456.001"``). Normalised to 10 digits, the company number
    zero-padded to 7: ``"0123456001"``. A company number of all zeros is
    refused. There is no public check digit, so only the shape is checked.
    """

    error = InvalidRidet

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        if not _DIGITS.fullmatch(cleaned):
            raise _RejectedError("format")
        if len(cleaned) not in (9, 10):
            raise _RejectedError("length")
        number = cleaned.zfill(10)
        if number[:7] == "0000000":
            raise _RejectedError("format")
        return number


_TAHITI = re.compile(r"[0-9A-Z]{6}(?:[0-9]{3})?")


@attrs.frozen
class Tahiti(_Identifier):
    """A numéro TAHITI (French Polynesia), optionally with its establishment rank.

    Six letters or digits (usually a letter or digit then five digits,
    ``"A12345"``), optionally followed by a 3-digit establishment rank
    (``"A12345001"``). Case and separators do not matter; normalised upper
    case with no separators. Only the shape is checked (no check digit).
    """

    error = InvalidTahiti

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        if len(cleaned) not in (6, 9):
            raise _RejectedError("length")
        # ASCII-only before upper(): "ß".upper() is "SS", which would shift lengths.
        if not cleaned.isascii() or not _TAHITI.fullmatch(cleaned.upper()):
            raise _RejectedError("format")
        return cleaned.upper()


@attrs.frozen
class ForeignIdentifier(_Identifier):
    """The free identifier of a structure outside the EU (HORS_UE).

    Kept as typed, for display, with whitespace trimmed and collapsed to
    single spaces; it must be printable and at most 80 characters. Its
    identity (:meth:`identity`, behind :attr:`StructureIdentifier.key`)
    ignores case, character width and compatibility forms, so that
    ``ACME-123``, ``acme-123`` and ``ＡＣＭＥ－１２３`` name one structure:

    >>> ForeignIdentifier.identity("ＡＣＭＥ－１２３") == ForeignIdentifier.identity("acme-123")
    True
    """

    error = InvalidForeignIdentifier
    max_length: ClassVar[int] = 80
    max_identity_length: ClassVar[int] = 120
    """Folding can lengthen a value ("ß" is "ss"); the identity is stored within 128 characters."""

    @classmethod
    def _clean(cls, text: str) -> str:
        return " ".join(text.split())

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        if len(cleaned) > cls.max_length:
            raise _RejectedError("length")
        if not cleaned.isprintable():
            raise _RejectedError("format")
        if len(cls.identity(cleaned)) > cls.max_identity_length:
            raise _RejectedError("length")
        return cleaned

    @classmethod
    def identity(cls, value: str) -> str:
        """``value`` folded: NFKC, case folded (NFKC again, as Unicode's NFKC_Casefold does), spaces collapsed."""
        compatible = unicodedata.normalize("NFKC", value)
        folded = unicodedata.normalize("NFKC", compatible.casefold())
        # NFKC turns ideographic and no-break spaces into plain ones: collapse after.
        return " ".join(folded.split())


@attrs.frozen
class Pacage(_Identifier):
    """A PACAGE number (a farmer's CAP identifier): 9 digits, not all zeros."""

    error = InvalidPacage
    separators = ""

    @classmethod
    def _normalise(cls, cleaned: str) -> str:
        number = _digits(cleaned, 9)
        if number == "000000000":
            raise _RejectedError("format")
        return number


_VALIDATORS: dict[IdentifierType, type[_Identifier]] = {
    IdentifierType.SIRET: Siret,
    IdentifierType.UE_HORS_FRANCE: EuVat,
    IdentifierType.HORS_UE: ForeignIdentifier,
    IdentifierType.RIDET: Ridet,
    IdentifierType.TAHITI: Tahiti,
}
_ASSIGNED_SHAPES = {
    kind: re.compile(rf"{prefix}[0-9]{{{digits}}}") for kind, (prefix, digits) in _ASSIGNED.items()
}


@attrs.frozen(eq=False)
class StructureIdentifier:
    """A structure's identity on the portal: its identifier type and value.

    Construction validates ``value`` for ``type`` (and normalises it);
    identifiers of PARTICULIER and AUTRE must have the shape the library
    assigns (``PART`` + 10 digits, ``IMMAT`` + 9 digits). ``value`` is what
    is shown; equality, hashing and the unique index use :attr:`key`, which
    for HORS_UE folds case, width and compatibility forms.
    """

    type: IdentifierType
    value: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.type, IdentifierType):
            raise InvalidInput(field="identifier_type", expected="type d'identifiant")
        validator = _VALIDATORS.get(self.type)
        if validator is not None:
            object.__setattr__(self, "value", validator.validate(self.value, field="identifier"))
            return
        shape = _ASSIGNED_SHAPES[self.type]
        if not isinstance(self.value, str) or not shape.fullmatch(self.value):
            raise IdentifierNotExpected(field="identifier", reason="unexpected")

    @classmethod
    def parse(cls, type: object, text: object) -> StructureIdentifier | None:
        """Validate ``text`` as an identifier of ``type``.

        For PARTICULIER and AUTRE, ``text`` must be None or blank and the
        answer is None: the library assigns the identifier (see
        :meth:`assigned`). Identifier errors carry ``field="identifier"``;
        an unknown type raises :class:`InvalidInput` on ``identifier_type``.
        """
        kind = IdentifierType.parse(type)
        validator = _VALIDATORS.get(kind)
        if validator is None:
            if text is None or (isinstance(text, str) and not text.strip()):
                return None
            raise IdentifierNotExpected(field="identifier", reason="unexpected")
        return cls(kind, validator.validate(text, field="identifier"))

    @classmethod
    def searched(cls, type: object, text: object) -> StructureIdentifier:
        """An identifier typed in a search form.

        Unlike :meth:`parse`, the identifiers the library assigned (``PART``...,
        ``IMMAT``...) are accepted for PARTICULIER and AUTRE, since that is
        how such a structure is found again.
        """
        kind = IdentifierType.parse(type)
        if kind in _ASSIGNED:
            if not isinstance(text, str) or not text.strip():
                raise IdentifierNotExpected(field="identifier", reason="empty")
            return cls(kind, text.strip().upper())
        found = cls.parse(kind, text)
        assert found is not None  # every other type has a validator
        return found

    @classmethod
    def assigned(cls, type: object, number: int) -> StructureIdentifier:
        """The identifier the library gives a PARTICULIER or AUTRE structure.

        ``number`` comes from the service's id port: ``PART`` + 10 digits or
        ``IMMAT`` + 9 digits, zero-padded.
        """
        kind = IdentifierType.parse(type)
        if kind not in _ASSIGNED:
            raise InvalidInput(field="identifier_type", expected="PARTICULIER ou AUTRE")
        prefix, digits = _ASSIGNED[kind]
        if isinstance(number, bool) or not isinstance(number, int):
            raise InvalidInput(field="number", expected="entier")
        if not 0 <= number < 10**digits:
            raise InvalidInput(
                field="number", expected="entier de 0 à {maximum}", maximum=10**digits - 1
            )
        return cls(kind, f"{prefix}{number:0{digits}d}")

    @property
    def key(self) -> str:
        """``"TYPE:identity"``, unique across types (e.g. ``"SIRET:73282932000074"``).

        The identity is the normalised value itself for every type but
        HORS_UE, whose value is folded (:meth:`ForeignIdentifier.identity`):
        ``"HORS_UE:acme-123"`` for ``"ＡＣＭＥ－１２３"`` as for ``"ACME-123"``.
        """
        validator = _VALIDATORS.get(self.type)
        identity = self.value if validator is None else validator.identity(self.value)
        return f"{self.type.value}:{identity}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StructureIdentifier):
            return NotImplemented
        return self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.value
