"""``python -m prooftools``: the command-line interface (Ctrl-C at any point: exit 130)."""

import signal

from prooftools.cli.interrupt import install, interrupted, leave

install()
try:
    from prooftools.cli import main
except BaseException:  # KeyboardInterrupt, or its echo from an interrupted C-extension import
    if interrupted():
        leave()
    raise

if __name__ == "__main__":
    try:
        status = main()
        # the work is done and written: a Ctrl-C during interpreter shutdown changes nothing
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:  # between main's return and the line above
        leave()
    raise SystemExit(status)
