"""Helpers for testing code that embeds chorus_onboarding: Hypothesis strategies, fakes and contract suites."""
