"""Allow `python -m bot ...` as an alias for the `policybot` console script."""

from bot.cli import main

raise SystemExit(main())
