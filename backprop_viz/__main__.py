"""`python -m backprop_viz`: the command line."""

import sys

from .cli import main

sys.exit(main())
