"""``python -m prooftools``: the command-line interface (Ctrl-C at any point: exit 130)."""

from prooftools.cli.interrupt import install, leave

install()
try:
    from prooftools.cli import main
except KeyboardInterrupt:
    leave()

if __name__ == "__main__":
    raise SystemExit(main())
