"""``python -m prooftools`` and the ``prooftools`` console script: Ctrl-C at any point, exit 130.

The very first thing either does, before anything heavy is imported (argparse and the CLI alone
take ~50 ms, sympy and numpy seconds), is to install a minimal SIGINT handler: nothing has been
loaded or written yet, so it prints the one line and exits 130 at once (Python's own handler
would print a KeyboardInterrupt traceback from whatever import it interrupted). The full handler
(:mod:`prooftools.cli.interrupt`) replaces it as soon as it is imported. After ``main`` has
returned, everything is written; a Ctrl-C while the interpreter shuts down (a Dask cluster's
processes still exiting, say) is still reported: the one line and exit 130, not a silent 0.
"""

import _signal  # the C module: ``signal`` builds its enums first, ~10 ms in which to be hit
import os


def _interrupted_early(signum, frame) -> None:
    """SIGINT before the CLI is loaded: nothing to clean up yet."""
    os.write(2, b"prooftools: interrupted\n")
    os._exit(130)


def run() -> None:
    """Run the command line (the console script's entry point); never returns."""
    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:  # not when ignored
        _signal.signal(_signal.SIGINT, _interrupted_early)
    import atexit
    import signal

    atexit.register(_last_check)  # registered before any other: runs after all of them
    from prooftools.cli.interrupt import install, interrupted, leave

    install()
    try:
        from prooftools.cli import main
    except BaseException:  # KeyboardInterrupt, or its echo from an interrupted C-extension import
        if interrupted():
            leave()
        raise
    try:
        status = main()
        # the work is done and written; a Ctrl-C from now on (interpreter shutdown, a cluster's
        # processes exiting) is still the user's interrupt: the one line and exit status 130.
        # Held pending in this thread (another thread's delivery runs the handler; a pending
        # one is found by the last exit handler), never left to Python's final SIG_DFL.
        signal.signal(signal.SIGINT, _interrupted_late)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except KeyboardInterrupt:  # between main's return and the line above
        leave()
    raise SystemExit(status)


def _interrupted_late(signum, frame) -> None:
    from prooftools.cli.interrupt import leave

    leave()


def _last_check() -> None:
    """The last exit handler: a SIGINT held pending during shutdown is reported now."""
    import signal

    if signal.SIGINT in signal.sigpending():
        _interrupted_late(signal.SIGINT, None)


if __name__ == "__main__":
    run()
