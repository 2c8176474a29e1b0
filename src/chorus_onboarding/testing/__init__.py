"""A kit for the test suites of the projects that embed chorus_onboarding.

A pytest plugin with ready worlds (:mod:`.plugin`), the world and its
journey helpers (:mod:`.world`), fakes (:mod:`.fakes`), Hypothesis strategies
for every input a host handles (:mod:`.strategies`), a stateful base that
checks a host's layer against the library's rules (:mod:`.stateful`), and
the contract a store must pass (:mod:`.contract`).

The modules built on pytest or Hypothesis need the ``testing`` extra
(``pip install 'chorus-onboarding[testing]'``); without it they raise
:class:`~chorus_onboarding.errors.ExtraNotInstalled`, never a bare
``ModuleNotFoundError``. The fakes and the world need nothing more than the
library.
"""

from __future__ import annotations

import importlib.util

from ..domain.errors import ExtraNotInstalled


def require_testing_extra(*modules: str) -> None:
    """Raise :class:`ExtraNotInstalled` (``testing``) unless every one of ``modules`` is importable."""
    for name in modules:
        if importlib.util.find_spec(name) is None:
            raise ExtraNotInstalled(field=name, extra="testing")
