"""``python -m searchkit``."""

from .cli import main

main()
