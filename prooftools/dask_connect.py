"""Connect to a Dask scheduler the user named, with the whole handshake bounded.

``distributed.Client(address, timeout=…)`` bounds only the TCP connect: against something that
accepts connections but is not a Dask scheduler (an HTTP server, a database, a service that
never answers) its handshake waits forever, or reads the foreign reply as a frame count and
asks for exabytes (MemoryError). :func:`connect_client` first checks the address's form, then
asks the address who it is (Dask's ``identity`` call) with one deadline over connect, handshake
and reply; only a scheduler's answer leads to a ``Client``. Anything else is one
:class:`~prooftools.errors.UserInputError` line.

>>> check_address("tcp://")
Traceback (most recent call last):
...
prooftools.errors.UserInputError: scheduler address 'tcp://' needs a host and a port, e.g. tcp://127.0.0.1:8786
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from typing import Any

from prooftools.errors import UserInputError

__all__ = ["DEADLINE_S", "check_address", "connect_client", "probe_scheduler"]

#: seconds for the whole probe: TCP connect, Dask handshake and the identity reply
DEADLINE_S = 20.0
_HOST_PORT = re.compile(r"(?:tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})/?")


def check_address(address: str) -> str:
    """``address`` if it has a scheme Dask knows and, for tcp/tls, a host and a port."""
    if not isinstance(address, str) or "://" not in address:
        raise UserInputError(f"scheduler address {address!r} must look like tcp://HOST:PORT")
    scheme = address.split("://", 1)[0]
    if scheme not in ("tcp", "tls", "inproc", "ucx"):
        raise UserInputError(f"scheduler address {address!r}: unknown scheme {scheme!r} "
                             "(tcp, tls, inproc or ucx)")
    if scheme in ("tcp", "tls"):
        m = _HOST_PORT.fullmatch(address)
        if not m:
            raise UserInputError(f"scheduler address {address!r} needs a host and a port, "
                                 "e.g. tcp://127.0.0.1:8786")
        if not 0 < int(m.group(2)) < 65536:
            raise UserInputError(f"scheduler address {address!r}: port must be 1 to 65535")
    return address


async def _identity(address: str, deadline: float) -> Any:
    from distributed.comm import connect

    comm = await connect(address, timeout=deadline)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def _run_probe(address: str, deadline: float, out: dict) -> None:
    try:
        out["reply"] = asyncio.run(asyncio.wait_for(_identity(address, deadline), deadline))
    except TimeoutError:
        out["error"] = f"no Dask answer within {deadline:g} s"
    except (MemoryError, OverflowError, ValueError, TypeError):  # a foreign reply read as
        out["error"] = "its reply is not Dask's protocol"  # frame sizes: exabytes asked for
    except Exception as exc:
        text = " ".join(str(exc).split())[:120]
        out["error"] = f"{type(exc).__name__}{': ' + text if text else ''}"


def probe_scheduler(address: str, deadline: float | None = None) -> dict:
    """The scheduler's identity; one error line when ``address`` is not a Dask scheduler that
    answers within ``deadline`` seconds (default :data:`DEADLINE_S`) in all."""
    deadline = DEADLINE_S if deadline is None else float(deadline)
    check_address(address)
    out: dict = {}
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # the probe's own failure is the one line the user sees
    try:
        worker = threading.Thread(target=_run_probe, args=(address, deadline, out),
                                  name="prooftools-scheduler-probe", daemon=True)
        worker.start()
        worker.join(deadline + 5.0)  # the event loop's own deadline ends it first
    finally:
        quiet.setLevel(level)
    reply = out.get("reply")
    if isinstance(reply, dict) and reply.get("type") == "Scheduler":
        return reply
    why = out.get("error") or (f"no Dask answer within {deadline:g} s" if "reply" not in out
                               else "it answered, but not as a Dask scheduler")
    raise UserInputError(f"{address} is not a Dask scheduler that answers ({why})")


def connect_client(address: str, deadline: float | None = None):
    """A ``distributed.Client`` of the scheduler at ``address``, after :func:`probe_scheduler`."""
    from distributed import Client

    deadline = DEADLINE_S if deadline is None else float(deadline)
    probe_scheduler(address, deadline)
    try:
        return Client(address, timeout=f"{deadline}s")
    except (OSError, TimeoutError) as e:
        raise UserInputError(f"cannot reach the Dask scheduler at {address}: {e}") from None
