"""The Account entity on its own, with time given as an argument."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chorus_onboarding import AccountState
from chorus_onboarding.domain import events
from chorus_onboarding.domain.accounts import (
    Account,
    normalise_secret_answer,
    person_name,
    secret_question,
)
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.errors import ActivationExpired, InvalidInput, RequiredField
from chorus_onboarding.domain.tokens import IssuedToken, PendingToken
from chorus_onboarding.errors import InvalidTransition, TokenInvalid

NOW = datetime(2018, 1, 4, 9, 5, 10, tzinfo=UTC)
TOKEN = IssuedToken(link_id="clear-token", digest="digest-1")


def _account() -> Account:
    return Account.register(
        account_id="a1",
        login_email=EmailAddress.parse("louise@exemple.fr"),
        last_name="GALFE",
        first_name="Louise",
        contact_email=None,
        survey_consent=True,
        now=NOW,
    )


def _pending() -> Account:
    account = _account()
    account.issue_activation(TOKEN, NOW, timedelta(days=30))
    return account


def _active() -> Account:
    account = _pending()
    account.activate(
        digest="digest-1", password_hash="h", question="Q ?????", answer_hash="a", now=NOW
    )
    account.pull_events()
    return account


def test_a_new_account_starts_created_and_its_contact_is_the_login_email() -> None:
    account = _account()
    assert account.state is AccountState.CREATED
    assert account.contact_email == account.login_email


def test_a_contact_email_equal_to_the_login_email_is_not_stored_twice() -> None:
    account = Account.register(
        account_id="a1",
        login_email=EmailAddress.parse("louise@exemple.fr"),
        last_name="G",
        first_name="L",
        contact_email=EmailAddress.parse("LOUISE@exemple.fr"),
        survey_consent=False,
        now=NOW,
    )
    assert account.contact_email_override is None


def test_issuing_the_activation_records_the_link_id_and_keeps_only_the_digest() -> None:
    account = _pending()
    (event,) = account.pull_events()
    assert isinstance(event, events.ActivationLinkIssued)
    assert event.link_id == "clear-token"
    assert not event.resent
    assert event.expires_at == NOW + timedelta(days=30)
    assert account.activation is not None
    assert account.activation.digest == "digest-1"
    assert "clear-token" not in repr(account)
    assert account.pull_events() == []


def test_activation_checks_the_digest_then_the_deadline() -> None:
    account = _pending()
    with pytest.raises(TokenInvalid):
        account.check_activation("other", NOW)
    account.check_activation("digest-1", NOW + timedelta(days=30))
    with pytest.raises(ActivationExpired):
        account.check_activation("digest-1", NOW + timedelta(days=30, microseconds=1))
    assert account.state is AccountState.ACTIVATION_PENDING


def test_activation_consumes_the_token() -> None:
    account = _active()
    assert account.state is AccountState.ACTIVE
    assert account.activation is None
    with pytest.raises(TokenInvalid):
        account.check_activation("digest-1", NOW)


def test_an_expired_account_refuses_its_old_link_as_expired() -> None:
    account = _pending()
    account.expire(NOW)
    with pytest.raises(ActivationExpired):
        account.check_activation("digest-1", NOW)


def test_login_failures_block_at_the_limit_then_start_again() -> None:
    account = _active()
    for _ in range(4):
        account.record_login_failure(NOW, 5, timedelta(minutes=15))
    assert not account.login_blocked(NOW)
    account.record_login_failure(NOW, 5, timedelta(minutes=15))
    assert account.login_blocked(NOW + timedelta(minutes=14))
    assert not account.login_blocked(NOW + timedelta(minutes=15))
    (event,) = account.pull_events()
    assert isinstance(event, events.LoginThrottled)
    assert account.failed_logins == 0


def test_lifting_a_suspension_lets_the_owner_try_again_at_once_and_is_recorded() -> None:
    account = _active()
    for _ in range(5):
        account.record_login_failure(NOW, 5, timedelta(minutes=15))
    account.pull_events()
    assert account.lift_login_suspension(NOW + timedelta(minutes=1))
    assert not account.login_blocked(NOW + timedelta(minutes=1))
    (event,) = account.pull_events()
    assert isinstance(event, events.LoginSuspensionLifted)
    assert (event.account_id, event.occurred_at) == ("a1", NOW + timedelta(minutes=1))


def test_lifting_when_nothing_is_suspended_only_clears_the_count_and_records_nothing() -> None:
    account = _active()
    account.record_login_failure(NOW, 5, timedelta(minutes=15))
    assert not account.lift_login_suspension(NOW)
    assert account.failed_logins == 0
    assert account.pull_events() == []


def test_operations_of_an_active_account_are_refused_in_other_states() -> None:
    account = _pending()
    with pytest.raises(InvalidTransition) as refused:
        account.change_password("h2", NOW)
    assert refused.value.event == "change_password"
    with pytest.raises(InvalidTransition):
        account.deactivate(NOW, by_owner=True)


def test_deactivation_kills_a_pending_reset_link() -> None:
    account = _active()
    account.issue_password_reset(IssuedToken(link_id="r", digest="reset"), NOW, timedelta(hours=1))
    account.deactivate(NOW, by_owner=True)
    assert account.password_reset is None


def test_reactivation_by_link_needs_the_live_link() -> None:
    account = _active()
    account.deactivate(NOW, by_owner=True)
    account.request_reactivation(IssuedToken(link_id="r", digest="react"), NOW, timedelta(days=7))
    with pytest.raises(TokenInvalid):
        account.reactivate(NOW + timedelta(days=8), digest="react")
    account.reactivate(NOW, digest="react")
    assert account.state is AccountState.ACTIVE
    assert account.reactivation is None


def test_wrong_answers_block_after_the_limit() -> None:
    account = _active()
    for _ in range(3):
        assert not account.answers_blocked(NOW)
        account.record_wrong_answer(NOW, 3, timedelta(hours=1))
    assert account.answers_blocked(NOW + timedelta(minutes=59))
    assert not account.answers_blocked(NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("Médor", "medor"),
        ("  MEDOR  ", "medor"),
        ("Saint  Étienne", "saint etienne"),
        ("ﬁdo", "fido"),
    ],
)
def test_secret_answers_forgive_case_accents_and_spacing(typed: str, normalised: str) -> None:
    assert normalise_secret_answer(typed) == normalised


@pytest.mark.parametrize("junk", [None, "", "   ", "a", 5, "x" * 201, "tab\x00"])
def test_unusable_secret_answers_are_refused(junk: object) -> None:
    with pytest.raises((InvalidInput, RequiredField)):
        normalise_secret_answer(junk)


def test_names_and_questions_are_checked() -> None:
    assert person_name("  Jean   Pierre ", "first_name") == "Jean Pierre"
    with pytest.raises(RequiredField):
        person_name(" ", "first_name")
    with pytest.raises(InvalidInput):
        secret_question("Q ?")


def test_tokens_are_checked_when_built() -> None:
    naive = datetime(2018, 1, 4, 9, 5, 10)
    with pytest.raises(InvalidInput) as refused:
        PendingToken(digest="", expires_at=NOW)
    assert refused.value.field == "digest"
    with pytest.raises(InvalidInput) as refused:
        PendingToken(digest="d", expires_at=naive)
    assert refused.value.field == "expires_at"
    with pytest.raises(InvalidInput) as refused:
        IssuedToken(link_id=None, digest="d")  # type: ignore[arg-type]
    assert refused.value.field == "link_id"


def test_withdrawing_and_giving_back_the_survey_consent_records_each_change_only() -> None:
    account = _active()
    account.pull_events()
    assert account.change_survey_consent(False, NOW)
    assert not account.change_survey_consent(False, NOW)
    assert account.change_survey_consent(True, NOW + timedelta(days=1))
    first, second = account.pull_events()
    assert isinstance(first, events.SurveyConsentChanged)
    assert isinstance(second, events.SurveyConsentChanged)
    assert (first.consent, second.consent) == (False, True)
    assert account.survey_consent is True


def test_the_survey_consent_is_changed_only_on_an_active_account() -> None:
    with pytest.raises(InvalidTransition):
        _pending().change_survey_consent(False, NOW)
