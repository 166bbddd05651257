"""``python -m mwprop_batch.cli ...``: the same as ``mwprop-batch ...``."""

import sys

from . import main

if __name__ == "__main__":  # not when a package walk imports this module
    sys.exit(main())
