"""The project's addresses: the onboarding views."""

from __future__ import annotations

from examples.django_project.onboarding.views import urlpatterns

__all__ = ["urlpatterns"]
