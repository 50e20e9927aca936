"""``python -m prooftools`` runs the command-line interface."""

from prooftools.cli import main

raise SystemExit(main())
