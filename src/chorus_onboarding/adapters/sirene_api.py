"""The company register on the public "API Recherche d'entreprises" (the national SIRENE data).

``https://recherche-entreprises.api.gouv.fr/search?q=<SIRET>`` needs no key.
Its published limits: at most 7 requests per second per IP address (and 30
per second per network, ASN), a ``429 Too Many Requests`` with a
``Retry-After`` header past them. The data is INSEE's SIRENE, under the
Licence Ouverte / Etalab 2.0. Needs the ``register`` extra (httpx).

What the register answers becomes a :class:`CompanyRecord`: the
establishment's state (``F``, fermé: it cannot register), its name and
address, both withheld under *diffusion partielle* (the API shows
``[NON-DIFFUSIBLE]``: ``None`` here, and the form asks for them). When the
register does not answer (down, too slow, too many requests, an answer that
is not its JSON), :meth:`RechercheEntreprisesDirectory.lookup` raises
:class:`RegisterUnavailable`, after retries with backoff, and a circuit
breaker stops calling it for a while after repeated failures.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from ..domain.errors import (
    ExtraNotInstalled,
    InvalidInput,
    OnboardingError,
    RegisterUnavailable,
)
from ..domain.identifiers import IdentifierType, Siret, StructureIdentifier
from ..domain.structures import Address, CompanyRecord
from .resilience import Backoff, CircuitBreaker, seconds

if TYPE_CHECKING:
    import httpx

BASE_URL = "https://recherche-entreprises.api.gouv.fr"
"""Where the API answers."""

MASK = "[NON-DIFFUSIBLE]"
"""What the API shows in place of a withheld value."""

_LONGEST_USER_AGENT = 200
_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
_LARGEST_ANSWER = 1_000_000
"""Bytes: one SIRET's answer is a few kilobytes; more is not the register talking."""


def _httpx() -> Any:
    try:
        import httpx
    except ImportError as error:
        raise ExtraNotInstalled(extra="register") from error
    return httpx


class _Unanswered(Exception):
    """One try that failed; ``retry_after`` is the server's wish, in seconds, if it said one."""

    def __init__(self, reason: str, *, retry: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry = retry
        self.retry_after = retry_after


class RechercheEntreprisesDirectory:
    """A :class:`~chorus_onboarding.ports.CompanyDirectory` on the API Recherche d'entreprises.

    ``timeout`` bounds each try (connecting, and every wait for data);
    ``backoff`` says how often and how long apart to try; ``breaker`` is the
    circuit breaker (5 failed look-ups in a row open it for 30 s by
    default). ``transport`` replaces the network (tests replay recorded
    answers with ``httpx.MockTransport``); ``sleep`` and ``draw`` (a random
    number in [0, 1)) are injectable for the same reason. :meth:`close` it
    (``contextlib.closing`` does) to release its connections.
    """

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        timeout: float = 3.0,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        draw: Callable[[], float] = random.random,
        user_agent: str = "chorus-onboarding (company register look-up)",
    ) -> None:
        http = _httpx()
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise InvalidInput(field="base_url", expected="adresse http(s)")
        if seconds("timeout", timeout) <= 0:
            raise InvalidInput(field="timeout", expected="durée positive en secondes")
        if not isinstance(backoff, Backoff | None):
            raise InvalidInput(field="backoff", expected="Backoff")
        if not isinstance(breaker, CircuitBreaker | None):
            raise InvalidInput(field="breaker", expected="CircuitBreaker")
        if not isinstance(transport, http.BaseTransport | None):
            raise InvalidInput(field="transport", expected="transport httpx ou None")
        if not callable(sleep):
            raise InvalidInput(
                field="sleep", expected="fonction appelée avec une durée en secondes"
            )
        if not callable(draw):
            raise InvalidInput(field="draw", expected="une fonction sans argument")
        if (
            not isinstance(user_agent, str)
            or not user_agent.strip()
            or len(user_agent) > _LONGEST_USER_AGENT
            or not (user_agent.isascii() and user_agent.isprintable())
        ):
            # It goes in an HTTP header: ASCII only.
            raise InvalidInput(
                field="user_agent",
                expected="texte ASCII imprimable de {maximum} caractères au plus",
                maximum=_LONGEST_USER_AGENT,
            )
        self.backoff = backoff or Backoff()
        self.breaker = breaker or CircuitBreaker()
        self._sleep = sleep
        self._draw = draw
        self._client: httpx.Client = http.Client(
            base_url=base_url,
            timeout=http.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=False,
        )
        self._transport_errors: tuple[type[BaseException], ...] = (http.TransportError,)
        self._http_errors: tuple[type[BaseException], ...] = (http.HTTPError, http.StreamError)

    def close(self) -> None:
        """Release the connections."""
        self._client.close()

    def lookup(self, siret: Siret) -> CompanyRecord | None:
        """What the register knows of ``siret``; None if it does not know it.

        Raises :class:`RegisterUnavailable` when it does not answer, or when
        its circuit is open.
        """
        if not isinstance(siret, Siret):
            raise InvalidInput(field="siret", expected="Siret")
        if not self.breaker.allow():
            raise RegisterUnavailable(field="siret")
        try:
            payload = self._ask(siret.value)
            record = _record(payload, siret.value)
        except _Unanswered as failure:
            self.breaker.failed()
            raise RegisterUnavailable(field="siret") from failure
        except BaseException:
            # Whatever else went wrong (a host's sleep that raised...) is a failure
            # too: a trial call must never leave the circuit waiting for its outcome.
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return record

    def _ask(self, siret: str) -> Any:
        """The decoded JSON answer for ``siret``, after as many tries as the backoff allows."""
        retry = 0
        while True:
            try:
                return self._try(siret)
            except _Unanswered as failure:
                if not failure.retry or retry + 1 >= self.backoff.attempts:
                    raise
                wait = self.backoff.delay(retry, self._draw)
                if failure.retry_after is not None:
                    if failure.retry_after > self.backoff.longest_retry_after:
                        raise
                    wait = max(wait, failure.retry_after)
                self._sleep(wait)
                retry += 1

    def _try(self, siret: str) -> Any:
        params = {"q": siret, "minimal": "true", "include": "siege,matching_etablissements"}
        try:
            with self._client.stream("GET", "/search", params=params) as response:
                status = response.status_code
                if status in _RETRIED_STATUSES:
                    after = _retry_after(response.headers.get("Retry-After"))
                    raise _Unanswered(f"HTTP {status}", retry=True, retry_after=after)
                if status != 200:
                    raise _Unanswered(f"HTTP {status}", retry=False)
                kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if kind != "application/json":
                    raise _Unanswered(f"content type {kind or 'none'}", retry=False)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > _LARGEST_ANSWER:
                        raise _Unanswered("answer too large", retry=False)
        except self._transport_errors as error:
            # Timeouts, refused connections, broken streams: passing troubles.
            raise _Unanswered(type(error).__name__, retry=True) from error
        except self._http_errors as error:
            # A body that does not decode (a garbled compression...): not worth a retry.
            raise _Unanswered(type(error).__name__, retry=False) from error
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as error:
            raise _Unanswered("not JSON", retry=False) from error


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds, or an HTTP date), if usable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - time.time())


def _text(value: object) -> str | None:
    """A value the register disclosed: text, neither blank nor masked."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return None if not text or text == MASK else text


def _record(payload: Any, siret: str) -> CompanyRecord | None:
    """The record for ``siret`` in a search answer; None if the answer does not name it."""
    if not isinstance(payload, Mapping):
        raise _Unanswered("answer is not an object", retry=False)
    results = payload.get("results")
    if not isinstance(results, list):
        raise _Unanswered("answer without results", retry=False)
    for unit in results:
        if not isinstance(unit, Mapping):
            raise _Unanswered("result is not an object", retry=False)
        establishment = _establishment(unit, siret)
        if establishment is not None:
            try:
                return _from_unit(unit, establishment, siret)
            except OnboardingError as error:
                # The register's own data breaks a rule of ours (a control character...).
                raise _Unanswered("record refused", retry=False) from error
    return None


def _establishment(unit: Mapping[str, Any], siret: str) -> Mapping[str, Any] | None:
    siege = unit.get("siege")
    candidates = [
        *(unit.get("matching_etablissements") or []),
        *([siege] if isinstance(siege, Mapping) else []),
    ]
    for candidate in candidates:
        if isinstance(candidate, Mapping) and candidate.get("siret") == siret:
            # The siège carries the address in parts; prefer it when it is the one.
            if isinstance(siege, Mapping) and siege.get("siret") == siret:
                return siege
            return candidate
    return None


def _from_unit(
    unit: Mapping[str, Any], establishment: Mapping[str, Any], siret: str
) -> CompanyRecord:
    withheld = (
        unit.get("statut_diffusion") == "P"
        or establishment.get("statut_diffusion_etablissement") == "P"
    )
    name = _text(unit.get("nom_raison_sociale"))
    if name is None:
        # A person in business: nom_complet is "prénom nom" (masked if withheld).
        full = _text(unit.get("nom_complet"))
        name = full.upper() if full else None
    return CompanyRecord(
        identifier=StructureIdentifier(IdentifierType.SIRET, siret),
        name=name,
        address=None if withheld else _address(establishment),
        active=establishment.get("etat_administratif") != "F",
    )


def _address(establishment: Mapping[str, Any]) -> Address | None:
    """The establishment's French address, or None when the answer does not give one whole."""
    postal_code = _text(establishment.get("code_postal"))
    city = _text(establishment.get("libelle_commune"))
    if postal_code is None or city is None or _text(establishment.get("code_pays_etranger")):
        return None
    parts = [
        _text(establishment.get(key))
        for key in ("numero_voie", "indice_repetition", "type_voie", "libelle_voie")
    ]
    street = " ".join(part for part in parts if part)
    if not street:
        # A matching establishment only has the whole line: drop its ending.
        whole = _text(establishment.get("adresse")) or ""
        ending = f" {postal_code} {city}"
        street = whole[: -len(ending)] if whole.endswith(ending) else ""
    if not street:
        return None
    try:
        return Address(
            street=street,
            postal_code=postal_code,
            city=city,
            complement=_text(establishment.get("complement_adresse")) or "",
        )
    except OnboardingError:
        return None
