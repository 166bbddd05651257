"""``python -m mwprop_batch.cli ...``: the same as ``mwprop-batch ...``."""

import sys

from . import main

sys.exit(main())
