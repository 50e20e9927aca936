"""``python -m prooftools``: the command-line interface (Ctrl-C while importing: exit 130)."""

import sys

try:
    from prooftools.cli import main
except KeyboardInterrupt:
    print("prooftools: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

if __name__ == "__main__":
    raise SystemExit(main())
