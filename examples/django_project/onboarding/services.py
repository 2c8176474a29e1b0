"""The process's one service, built on first use from the settings, and forgotten when they change."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from chorus_onboarding import OnboardingService, OnboardingSettings
from chorus_onboarding.notifications import Links

ACTIVATION_PATH = "/activation"
"""Where the emailed activation links point: this project's activation view."""

_built: list[OnboardingService] = []
_lock = threading.Lock()


def onboarding() -> OnboardingService:
    """The service on ``settings.CHORUS_ONBOARDING_DATABASE``, one per process."""
    with _lock:
        if not _built:
            database = settings.CHORUS_ONBOARDING_DATABASE
            build = OnboardingService.from_url if "://" in database else OnboardingService.sqlite
            _built.append(
                build(
                    database,
                    # The demo's captcha, register and mailbox: a portal passes its own.
                    demo_ports=True,
                    settings=OnboardingSettings(
                        secret_key=settings.CHORUS_ONBOARDING_SECRET_KEY,
                        login_code=settings.CHORUS_ONBOARDING_LOGIN_CODE,
                    ),
                    links=Links(
                        settings.CHORUS_ONBOARDING_PORTAL_URL, activation_path=ACTIVATION_PATH
                    ),
                )
            )
        return _built[0]


@receiver(setting_changed)
def forget_the_service(setting: str, **_: Any) -> None:
    """A test that points the library at another store gets a service on that store."""
    if setting.startswith("CHORUS_ONBOARDING_"):
        with _lock:
            while _built:
                _built.pop().close()
