"""The register on the API Recherche d'entreprises, replaying recorded answers (no network)."""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from chorus_onboarding.adapters.resilience import Backoff, CircuitBreaker, CircuitState
from chorus_onboarding.adapters.sirene_api import RechercheEntreprisesDirectory
from chorus_onboarding.domain.identifiers import Siret
from chorus_onboarding.errors import ExtraNotInstalled, RegisterUnavailable

ANSWERS = Path(__file__).resolve().parent.parent / "data" / "registers" / "api"

RECORDED = {
    "35600000000048": "la_poste_siege",
    "35600000010005": "la_poste_bureau",
    "51819093900018": "closed",
    "84512345400025": "partial_company",
    "81234567600017": "partial_person",
    "90112233300015": "person",
}

Handler = Callable[[httpx.Request], httpx.Response]


def state_of(breaker: CircuitBreaker) -> CircuitState:
    """The breaker's state now (read through a call, so each read is a new one)."""
    return breaker.state


def recorded(request: httpx.Request) -> httpx.Response:
    """The register as recorded: the answer saved for the SIRET asked, else no result."""
    name = RECORDED.get(request.url.params.get("q", ""), "unknown")
    return httpx.Response(
        200,
        content=(ANSWERS / f"{name}.json").read_bytes(),
        headers={"Content-Type": "application/json"},
    )


class Server:
    """A replaying register that counts the requests it is sent and the waits between them."""

    def __init__(self, *answers: Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.now = 0.0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request)

    def directory(self, **options: object) -> RechercheEntreprisesDirectory:
        breaker = CircuitBreaker(threshold=3, cool_down=30.0, clock=lambda: self.now)
        settings: dict[str, object] = {
            "transport": httpx.MockTransport(self.handle),
            "sleep": self.sleeps.append,
            "draw": lambda: 0.5,
            "breaker": breaker,
            **options,
        }
        return RechercheEntreprisesDirectory(**settings)  # type: ignore[arg-type]


def status(code: int, **headers: str) -> Handler:
    return lambda _request: httpx.Response(code, headers=headers, json={"erreur": "indisponible"})


def body(content: bytes, kind: str = "application/json") -> Handler:
    return lambda _request: httpx.Response(200, content=content, headers={"Content-Type": kind})


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("the register is slow", request=request)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def look(directory: RechercheEntreprisesDirectory, siret: str) -> object:
    return directory.lookup(Siret.parse(siret))


def test_a_siege_is_read_with_its_address_in_parts_and_its_complement() -> None:
    server = Server(recorded)
    record = server.directory().lookup(Siret.parse("35600000000048"))
    assert record is not None
    assert record.name == "LA POSTE"
    assert record.active
    assert record.address is not None
    assert record.address.street == "9 RUE DU COLONEL PIERRE AVIA"
    assert record.address.complement == "DIRECTION GENERALE DE LA POSTE"
    assert (record.address.postal_code, record.address.city) == ("75015", "PARIS 15")


def test_the_request_names_the_siret_asks_little_and_says_who_calls() -> None:
    server = Server(recorded)
    server.directory().lookup(Siret.parse("35600000000048"))
    (request,) = server.requests
    assert request.url.host == "recherche-entreprises.api.gouv.fr"
    assert request.url.path == "/search"
    assert dict(request.url.params) == {
        "q": "35600000000048",
        "minimal": "true",
        "include": "siege,matching_etablissements",
    }
    assert request.headers["User-Agent"].startswith("chorus-onboarding")


def test_a_secondary_establishment_takes_its_street_from_its_whole_address_line() -> None:
    record = Server(recorded).directory().lookup(Siret.parse("35600000010005"))
    assert record is not None
    assert record.address is not None
    assert record.address.street == "BUREAU DE POSTE 2 PLACE DE LA REPUBLIQUE"
    assert (record.address.postal_code, record.address.city) == ("69002", "LYON")


def test_a_closed_establishment_is_known_as_closed() -> None:
    record = Server(recorded).directory().lookup(Siret.parse("51819093900018"))
    assert record is not None
    assert not record.active
    assert record.name == "ATELIER DUPONT ET FILS"


def test_under_partial_diffusion_a_company_gives_its_name_only() -> None:
    record = Server(recorded).directory().lookup(Siret.parse("84512345400025"))
    assert record is not None
    assert (record.name, record.address, record.active) == ("HOLDING DISCRETE", None, True)


def test_under_partial_diffusion_a_person_gives_neither_name_nor_address() -> None:
    record = Server(recorded).directory().lookup(Siret.parse("81234567600017"))
    assert record is not None
    assert (record.name, record.address) == (None, None)


def test_a_person_in_business_is_named_in_capitals() -> None:
    record = Server(recorded).directory().lookup(Siret.parse("90112233300015"))
    assert record is not None
    assert record.address is not None
    assert record.name == "JEANNE MARTIN"
    assert record.address.street == "4 B AVENUE JEAN JAURES"


def test_a_siret_the_register_does_not_know_is_none() -> None:
    assert Server(recorded).directory().lookup(Siret.parse("39099603100014")) is None


def test_passing_failures_are_tried_again_after_a_jittered_exponential_wait() -> None:
    server = Server(status(503), timeout, recorded)
    record = look(
        server.directory(backoff=Backoff(attempts=3, base=0.5, cap=10.0)), "35600000000048"
    )
    assert record is not None
    assert len(server.requests) == 3
    # draw() is 0.5: half of 0.5 s, then half of 1 s.
    assert server.sleeps == [0.25, 0.5]


def test_retry_after_is_honoured_when_it_is_short() -> None:
    server = Server(status(429, **{"Retry-After": "2"}), recorded)
    assert look(server.directory(), "35600000000048") is not None
    assert server.sleeps == [2.0]


def test_a_long_retry_after_gives_up_at_once_rather_than_keep_a_person_waiting() -> None:
    server = Server(status(429, **{"Retry-After": "120"}))
    with pytest.raises(RegisterUnavailable) as down:
        look(server.directory(), "35600000000048")
    assert down.value.field == "siret"
    assert (len(server.requests), server.sleeps) == (1, [])


@pytest.mark.parametrize(
    "answer",
    [status(500), status(502), status(503), status(504), status(429), timeout, refused],
    ids=["500", "502", "503", "504", "429", "timeout", "refused"],
)
def test_a_register_that_keeps_failing_is_unavailable_after_every_try(answer: Handler) -> None:
    server = Server(answer)
    with pytest.raises(RegisterUnavailable):
        look(server.directory(), "35600000000048")
    assert len(server.requests) == Backoff().attempts


@pytest.mark.parametrize(
    "answer",
    [
        status(404),
        status(400),
        status(301, Location="https://ailleurs.example/"),
        body(b"<html>maintenance</html>", "text/html"),
        body(b"{not json"),
        body(b"\xff\xfe\x00garbage"),
        body(b'"just a string"'),
        body(b'{"results": "none"}'),
        body(b'{"results": [42]}'),
        body(
            b'{"results": [{"siren": "356000000", "siege": {"siret": "35600000000048", '
            b'"etat_administratif": "A", "code_postal": "75015", "libelle_commune": "PARIS", '
            b'"numero_voie": "9", "libelle_voie": "RUE \\u202eX"}, "nom_raison_sociale": "A\\u0000B"}]}'
        ),
        body(b"[" * 100_000 + b"]" * 100_000),
        body(b" " * 2_000_000 + b"{}"),
        lambda _request: httpx.Response(
            200,
            content=b"not gzip at all",
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        ),
    ],
    ids=[
        "404",
        "400",
        "redirect",
        "html",
        "garbage-json",
        "not-utf8",
        "not-an-object",
        "results-not-a-list",
        "result-not-an-object",
        "control-characters",
        "deeply-nested",
        "huge-body",
        "garbled-compression",
    ],
)
def test_a_hostile_or_garbled_answer_is_unavailable_without_retrying(answer: Handler) -> None:
    server = Server(answer)
    with pytest.raises(RegisterUnavailable):
        look(server.directory(), "35600000000048")
    assert len(server.requests) == 1


def opened_circuit(server: Server) -> RechercheEntreprisesDirectory:
    """A register whose circuit three failed look-ups (its threshold) opened."""
    directory = server.directory(backoff=Backoff(attempts=1))
    for _ in range(3):
        with pytest.raises(RegisterUnavailable):
            look(directory, "35600000000048")
    return directory


def test_the_circuit_opens_after_repeated_failures_and_half_opens_after_its_cool_down() -> None:
    server = Server(status(503))
    directory = opened_circuit(server)
    assert state_of(directory.breaker) is CircuitState.OPEN
    with pytest.raises(RegisterUnavailable):
        look(directory, "35600000000048")
    assert len(server.requests) == 3  # refused at once, the register left alone
    server.now = 30.0
    server.answers = [recorded]
    assert look(directory, "35600000000048") is not None
    assert state_of(directory.breaker) is CircuitState.CLOSED


def test_a_failed_trial_opens_the_circuit_for_another_cool_down() -> None:
    server = Server(status(503))
    directory = opened_circuit(server)
    server.now = 31.0
    with pytest.raises(RegisterUnavailable):
        look(directory, "35600000000048")
    assert len(server.requests) == 4
    assert state_of(directory.breaker) is CircuitState.OPEN
    server.now = 60.0
    assert state_of(directory.breaker) is CircuitState.OPEN
    server.now = 61.0
    assert state_of(directory.breaker) is CircuitState.HALF_OPEN


def test_a_trial_that_fails_in_an_unexpected_way_still_reopens_the_circuit() -> None:
    server = Server(status(503))
    directory = opened_circuit(server)
    server.now = 30.0

    def broken_sleep(_seconds: float) -> None:
        raise KeyboardInterrupt

    directory._sleep = broken_sleep
    server.answers = [status(503)]
    directory.backoff = Backoff(attempts=2)
    with pytest.raises(KeyboardInterrupt):
        look(directory, "35600000000048")
    assert state_of(directory.breaker) is CircuitState.OPEN


def test_an_unknown_siret_is_an_answer_and_keeps_the_circuit_closed() -> None:
    server = Server(recorded)
    directory = server.directory()
    for _ in range(5):
        assert look(directory, "39099603100014") is None
    assert state_of(directory.breaker) is CircuitState.CLOSED


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A local server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    host, port = listener.getsockname()
    yield f"http://{host}:{port}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_register_that_never_answers_is_cut_off_by_the_timeout(silent_server: str) -> None:
    directory = RechercheEntreprisesDirectory(
        base_url=silent_server, timeout=0.2, backoff=Backoff(attempts=2), sleep=lambda _s: None
    )
    with closing(directory), pytest.raises(RegisterUnavailable) as down:
        directory.lookup(Siret.parse("35600000000048"))
    # Each try was cut off by the timeout: the last one is the cause of the failure.
    assert isinstance(down.value.__cause__, Exception)
    assert isinstance(down.value.__cause__.__cause__, httpx.TimeoutException)


def test_without_httpx_the_register_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)
    with pytest.raises(ExtraNotInstalled) as missing:
        RechercheEntreprisesDirectory()
    assert missing.value.params == {"extra": "register"}


def test_the_recorded_answers_have_the_shape_of_the_published_api() -> None:
    for path in ANSWERS.glob("*.json"):
        answer = json.loads(path.read_text(encoding="utf-8"))
        assert set(answer) == {"results", "total_results", "page", "per_page", "total_pages"}
        for unit in answer["results"]:
            assert {"siren", "nom_complet", "siege", "matching_etablissements"} <= set(unit)
            assert {"statut_diffusion", "etat_administratif"} <= set(unit)
