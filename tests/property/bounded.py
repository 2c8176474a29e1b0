"""Settings for a short, reproducible run of a state machine in the library's suite."""

from __future__ import annotations

from hypothesis import Phase, settings


def bounded(examples: int, steps: int = 30) -> settings:
    """A short, reproducible run: at most ``examples`` programs of ``steps`` steps.

    The first failing program is reported as it was found: shrinking it
    (which a host's suite wants, to read the shortest program) would cost
    minutes here, for a message that names the same disagreement.
    """
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=True,
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.generate],
    )
