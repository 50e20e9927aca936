"""What the hostile tests ask of a CLI call made in-process: one error line, or a clean success."""

from __future__ import annotations


def one_line(capsys, rc: int, status: int = 2) -> str:
    """The call failed with ``status`` and printed exactly one ``prooftools: error: …`` line."""
    err = capsys.readouterr().err
    assert rc == status, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("prooftools: error: "), err
    return err
