"""`python -m narrator.normalise`: the same as `narrator normalize`."""
import sys

from . import main

sys.exit(main())
