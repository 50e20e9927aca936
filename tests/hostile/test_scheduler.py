"""Issue 20, item 5: ``--scheduler`` naming something that is not a Dask scheduler.

An HTTP server on 127.0.0.1, and a service that accepts connections and never answers, each give
one error line: the whole handshake (connect, Dask handshake, identity reply) runs under one
deadline (:data:`prooftools.dask_connect.DEADLINE_S`). The tests assert that mechanism, the
deadline's value in the message, never a wall-clock time. ``tcp://`` without a port is one line.
"""

from __future__ import annotations

import http.server
import socket
import threading

import pytest
from cli_checks import one_line as _one_line

from prooftools import dask_connect
from prooftools.cli import main
from prooftools.errors import UserInputError

SWEEP = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
         "--n", "8", "--seeds", "1", "--m-range", "2", "64",
         "--runner", "prooftools.sweep.synthetic:planted", "--option", "c=1", "--option", "a=2",
         "--no-progress"]


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             http.server.SimpleHTTPRequestHandler)
    server.RequestHandlerClass.log_message = lambda *a, **k: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server():
    """Accepts connections, reads what comes, never answers."""
    yield from _server(b"")


@pytest.fixture
def banner_server():
    """Answers every connection at once with an HTTP error and closes it (Dask would read the
    bytes as a frame count: exabytes)."""
    yield from _server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4, close=True)


def _server(banner: bytes, close: bool = False):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve():
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                if banner:
                    conn.sendall(banner)
                if close:
                    conn.close()
                else:
                    held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join(timeout=60)
    for c in held:
        c.close()
    sock.close()



def test_an_http_server_as_sweep_scheduler_is_one_line(http_server, tmp_path, capsys,
                                                       monkeypatch):
    monkeypatch.setattr(dask_connect, "DEADLINE_S", 2.0)  # it waits for a line that never comes
    rc = main([*SWEEP, "--store", str(tmp_path / "s"), "--scheduler", http_server])
    err = _one_line(capsys, rc)
    assert f"{http_server} is not a Dask scheduler" in err
    assert not list((tmp_path / "s" / "runs").glob("*.json"))  # nothing was run


def test_an_http_server_as_check_scheduler_is_one_line(http_server, capsys, monkeypatch):
    monkeypatch.setattr(dask_connect, "DEADLINE_S", 2.0)
    rc = main(["check", "sphere:n=20,d=3", "--theorem", "du2019.asm3.1", "--no-cache",
               "--scheduler", http_server])
    assert "is not a Dask scheduler" in _one_line(capsys, rc)


def test_a_silent_service_is_bounded_by_the_deadline(silent_server, tmp_path, capsys,
                                                     monkeypatch):
    monkeypatch.setattr(dask_connect, "DEADLINE_S", 0.5)
    rc = main([*SWEEP, "--store", str(tmp_path / "s"), "--scheduler", silent_server])
    err = _one_line(capsys, rc)
    assert "no Dask answer within 0.5 s" in err


def test_a_service_answering_in_its_own_protocol_is_one_line(banner_server, tmp_path, capsys):
    """Today's MemoryError ('3.07 EiB'): the reply read as Dask frame sizes."""
    rc = main([*SWEEP, "--store", str(tmp_path / "s"), "--scheduler", banner_server])
    err = _one_line(capsys, rc)
    assert f"{banner_server} is not a Dask scheduler" in err and "MemoryError" not in err


def test_the_deadline_covers_the_reply_not_only_the_connect(monkeypatch):
    """The connect succeeds at once; the reply never comes: the one deadline still ends it."""
    import asyncio

    async def connected_then_silent(address, deadline):
        await asyncio.sleep(3600)

    monkeypatch.setattr(dask_connect, "_identity", connected_then_silent)
    with pytest.raises(UserInputError, match=r"no Dask answer within 0\.2 s"):
        dask_connect.probe_scheduler("tcp://127.0.0.1:1", deadline=0.2)


@pytest.mark.parametrize("address", ["tcp://", "tcp://127.0.0.1", "tcp://:8786",
                                     "tcp://127.0.0.1:99999", "tcp://host:port",
                                     "gopher://127.0.0.1:70"])
def test_a_malformed_address_is_one_line(address, tmp_path, capsys):
    rc = main([*SWEEP, "--store", str(tmp_path / "s"), "--scheduler", address])
    err = _one_line(capsys, rc)
    assert "scheduler" in err


def test_check_refuses_a_portless_address_before_loading_data(capsys):
    rc = main(["check", "sphere:n=20,d=3", "--scheduler", "tcp://"])
    assert "needs a host and a port" in _one_line(capsys, rc)


def test_a_real_scheduler_passes_the_probe():
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster:
        info = dask_connect.probe_scheduler(cluster.scheduler_address, deadline=60)
    assert info["type"] == "Scheduler"
