"""``python -m reachout`` runs the ``reachout`` command line."""

import sys

from bot.cli import main

sys.exit(main())
