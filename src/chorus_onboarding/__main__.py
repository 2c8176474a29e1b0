"""``python -m chorus_onboarding``: the command line."""

import sys

from .cli import main

sys.exit(main())
