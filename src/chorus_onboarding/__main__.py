"""``python -m chorus_onboarding``: the command line (the ``cli`` extra)."""

import sys

from .cli import main

sys.exit(main())
