"""`python -m narrator.extract [--body] PATH`: what the shared scorer runs (bench/bench_extract.py)."""
import sys

from . import main

sys.exit(main())
