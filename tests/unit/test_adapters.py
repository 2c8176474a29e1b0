"""The real adapters: argon2id, tokens, clock, captcha, company register."""

from __future__ import annotations

import pytest

from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.directory import SAMPLE_COMPANIES, MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import Argon2Hasher, FastInsecureHasher
from chorus_onboarding.adapters.runtime import SecretTokenGenerator, SystemClock, UuidIdGenerator
from chorus_onboarding.domain.errors import InvalidInput
from chorus_onboarding.domain.identifiers import Siret

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def test_argon2id_hashes_are_salted_and_verify() -> None:
    hasher = Argon2Hasher(**CHEAP)
    first, second = hasher.hash("Secret-2024!"), hasher.hash("Secret-2024!")
    assert first.startswith("$argon2id$")
    assert first != second
    assert hasher.verify(first, "Secret-2024!")
    assert not hasher.verify(first, "Secret-2024?")
    assert not hasher.verify("not a hash", "Secret-2024!")


def test_argon2id_asks_for_a_rehash_when_parameters_change() -> None:
    old = Argon2Hasher(**CHEAP).hash("Secret-2024!")
    assert not Argon2Hasher(**CHEAP).needs_rehash(old)
    assert Argon2Hasher(time_cost=2, memory_cost=8, parallelism=1).needs_rehash(old)
    assert Argon2Hasher(**CHEAP).needs_rehash(FastInsecureHasher().hash("x"))


def test_the_default_argon2id_parameters_are_the_recommended_ones() -> None:
    assert Argon2Hasher().hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_tokens_carry_256_bits_and_only_the_key_turns_a_link_id_into_one() -> None:
    tokens = SecretTokenGenerator(b"k" * 32)
    issued = [tokens.issue() for _ in range(100)]
    assert len({token.link_id for token in issued}) == 100
    token = issued[0]
    plain = tokens.token_for(token.link_id)
    assert len(plain) * 6 >= 256
    assert tokens.digest(plain) == token.digest
    assert plain not in (token.link_id, token.digest)
    assert tokens.digest(token.link_id) != token.digest, "the link id is no token"
    other_key = SecretTokenGenerator(b"o" * 32)
    assert other_key.token_for(token.link_id) != plain
    assert tokens.token_for(token.link_id) == plain, "the same on every retry"


def test_a_token_generator_refuses_a_short_key() -> None:
    with pytest.raises(InvalidInput):
        SecretTokenGenerator(b"short")


def test_the_system_clock_is_timezone_aware_and_ids_are_unique() -> None:
    assert SystemClock().now().tzinfo is not None
    ids = UuidIdGenerator()
    assert len({ids.new_id() for _ in range(1000)}) == 1000


def test_the_captcha_stand_in_ignores_case_and_spaces() -> None:
    captcha = FixedCaptcha("XWWXS")
    assert captcha.verify(" xwwxs ")
    assert not captcha.verify("XWWX")


def test_the_sample_register_knows_valid_sirets_including_a_closed_one() -> None:
    directory = MemoryCompanyDirectory()
    for record in SAMPLE_COMPANIES:
        assert directory.lookup(Siret.parse(record.identifier.value)) == record
    assert [record.name for record in SAMPLE_COMPANIES if not record.active] == [
        "ATELIER DUPONT ET FILS"
    ]
