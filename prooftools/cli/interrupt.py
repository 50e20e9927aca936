"""Ctrl-C anywhere: one line on stderr, exit status 130, never swallowed.

Python turns SIGINT into a ``KeyboardInterrupt`` wherever the program happens to be, and a few
places swallow it (an exception in a weakref or import callback is printed as "Exception
ignored" and the program goes on). :func:`install` replaces the handler: the first Ctrl-C raises
``KeyboardInterrupt`` as usual, so ``finally`` blocks run and temporary files are removed, and
also starts a watchdog that ends the process with status 130 if it is still running two seconds
later (the interrupt was swallowed). :func:`leave` is the one way out after an interrupt.

An interrupt can also come back in disguise: a C extension whose import is interrupted reports
``ImportError: initialization failed`` instead of the ``KeyboardInterrupt``. So once SIGINT has
arrived, *any* exception that reaches the top is its consequence (:func:`interrupted`), and
the program leaves the same way.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

MESSAGE = "prooftools: interrupted"
GRACE_SECONDS = 2.0
_state = {"interrupted": False, "reported": False}


def _report_and_exit() -> None:
    if not _state["reported"]:
        _state["reported"] = True
        os.write(2, (MESSAGE + "\n").encode())
    os._exit(130)


def _on_sigint(signum, frame):
    if _state["interrupted"]:  # a second Ctrl-C: no more waiting
        _report_and_exit()
    _state["interrupted"] = True
    watchdog = threading.Timer(GRACE_SECONDS, _report_and_exit)
    watchdog.daemon = True
    watchdog.start()
    raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether SIGINT has arrived since :func:`install` (whatever exception follows is its echo)."""
    return _state["interrupted"]


def is_interrupt(exc: BaseException) -> bool:
    """A ``KeyboardInterrupt``, or any ordinary exception raised after SIGINT arrived (its
    echo): what a command that can say "finished runs are stored …" should treat as Ctrl-C."""
    return isinstance(exc, KeyboardInterrupt) or (interrupted() and isinstance(exc, Exception))


def install():
    """Use :func:`_on_sigint` for SIGINT (main thread only); returns the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, _on_sigint)


def restore(previous) -> None:
    """Put back the handler :func:`install` replaced (for in-process callers of ``main``)."""
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, previous)


def leave() -> None:
    """After a ``KeyboardInterrupt`` reached the top: print the line once, exit 130 now."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, or None at interpreter exit
            pass
    _report_and_exit()
