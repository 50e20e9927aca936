"""What a user sees on a real terminal: progress bars by default (none with ``-q``, none when
stderr is not a terminal) and tables that fit a 120-column window (``--wide``: whole lines).

Each command runs as a child process on a pseudo-terminal (``os.openpty``) whose window is 120
columns, as a user's shell would run it; nothing here mocks ``isatty``.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = 120
BAR = re.compile(r"\d+%\|")  # a tqdm bar: "desc:  40%|████      | 2/5 [...]"
PLANTED = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
           "--n", "8", "16", "--seeds", "2", "--m-range", "128", "4096", "--resolution", "0",
           "--runner", "prooftools.sweep.synthetic:planted", "--option", "c=1", "--option",
           "a=2", "--scheduler", "synchronous"]
VERIFY = ["verify", "du2019.thm4.1", "--dataset", "sphere:n=20,d=30", "--width", "256",
          "--steps", "20", "--lr", "0.05"]
CHECK = ["check", "sphere:n=40,d=6", "--theorem", "du2019.thm4.1", "--no-cache"]


def run_on_terminal(argv: list[str], *, stderr_to_terminal: bool = True,
                    columns: int | None = COLUMNS, rows: int = 40) -> tuple[int, str, str]:
    """Run ``python -m prooftools ARGV`` with stdout (and stderr) on a pseudo-terminal of
    ``columns`` columns (None: a window never set, 0×0, as ``script`` from a pipe gives);
    return (exit status, what the terminal showed, stderr if piped)."""
    master, slave = os.openpty()
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES") and not k.startswith("TQDM_")}
    if columns is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env.update(COLUMNS=str(columns), LINES=str(rows or 40))
    proc = subprocess.Popen([sys.executable, "-m", "prooftools", *argv], cwd=ROOT, env=env,
                            stdin=slave, stdout=slave,
                            stderr=slave if stderr_to_terminal else subprocess.PIPE,
                            close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    err = proc.stderr.read().decode() if proc.stderr else ""
    status = proc.wait()
    os.close(master)
    return status, b"".join(chunks).decode(errors="replace"), err


def screen_lines(shown: str) -> list[str]:
    """The lines left on the screen: a carriage return overwrites, escapes draw nothing."""
    lines = [line.split("\r")[-1] for line in shown.replace("\r\n", "\n").split("\n")]
    return [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line).rstrip() for line in lines]


@pytest.mark.parametrize("argv", [CHECK, VERIFY, PLANTED], ids=["check", "verify", "sweep"])
def test_bars_show_by_default_on_a_terminal_and_never_with_quiet(argv, tmp_path):
    # a window never sized (0×0) was the case where tqdm drew nothing at all
    extra = ["--store", str(tmp_path / "a")] if argv is PLANTED else []
    status, shown, _ = run_on_terminal([*argv, *extra], columns=None)
    assert status == 0, shown
    assert BAR.search(shown), shown[:2000]
    extra = ["--store", str(tmp_path / "b")] if argv is PLANTED else []
    status, shown, _ = run_on_terminal(["-q", *argv, *extra], columns=None)
    assert status == 0 and not BAR.search(shown)


def test_bars_fit_a_sized_window():
    status, shown, _ = run_on_terminal(CHECK)
    assert status == 0 and BAR.search(shown)
    assert all(len(seg) <= COLUMNS for seg in re.split(r"[\r\n]", shown))


def test_bars_show_on_a_window_with_columns_but_no_rows():
    """``script -qc 'stty cols 120; prooftools …'`` from a pipe: 120 columns, 0 rows. tqdm took
    the screen as -1 rows high and drew no bar at all."""
    status, shown, _ = run_on_terminal(VERIFY, rows=0)
    assert status == 0 and BAR.search(shown), shown[:2000]


def test_no_bars_when_stderr_is_not_a_terminal(tmp_path):
    status, shown, err = run_on_terminal(CHECK, stderr_to_terminal=False)
    assert status == 0 and not BAR.search(err) and not BAR.search(shown)
    assert "Data hypotheses" in shown  # the report itself still reaches the terminal


def test_verify_table_fits_the_terminal_and_wide_keeps_whole_lines():
    status, shown, _ = run_on_terminal(["-q", *VERIFY])
    lines = screen_lines(shown)
    assert status == 0 and max(map(len, lines)) <= COLUMNS
    table = "\n".join(lines)
    for sid in ("du2019.setting", "du2019.lemma3.1", "du2019.thm4.1"):  # ids stay whole
        assert re.search(rf"^{re.escape(sid)}\s", table, re.M)
    status, wide, _ = run_on_terminal(["-q", *VERIFY, "--wide"])
    assert status == 0 and max(map(len, screen_lines(wide))) > COLUMNS
    rows = [x for x in screen_lines(wide) if x.startswith("du2019.lemma4.1")]
    assert len(rows) == 1 and "<= C_du_41 * m * n" in rows[0]  # one line per item


def test_list_never_breaks_an_id():
    from prooftools.theory import load_registry

    status, shown, _ = run_on_terminal(["-q", "list"])
    lines = screen_lines(shown)
    assert status == 0 and max(map(len, lines)) <= COLUMNS
    first_words = {line.split()[0] for line in lines if line and not line.startswith(" ")}
    assert set(load_registry().statements) <= first_words


def test_sweep_tables_fit_and_a_censored_point_reads_at_most(tmp_path):
    status, shown, _ = run_on_terminal(["-q", *PLANTED, "--store", str(tmp_path)])
    lines = screen_lines(shown)
    assert status == 0 and max(map(len, lines)) <= COLUMNS
    row = next(x for x in lines if x.startswith("8 "))  # n = 8 holds below the range
    assert "≤ 128" in row and "None" not in shown


def test_hidden_constants_table_wraps_its_sources():
    from types import SimpleNamespace

    from prooftools.reporting.sweep_reports import constants_table

    items = ", ".join(f"du2019.lemma3.1:item_number_{k}" for k in range(12))
    rep = SimpleNamespace(constants={
        "C_du_m31": {"empty": False, "low": 0.0, "high": 8.1e-5, "runs": 42,
                     "source": "every run's judgement of " + items}})
    text = constants_table(rep).render("text", width=COLUMNS)
    assert max(map(len, text.splitlines())) <= COLUMNS
    flat = " ".join(text.split())
    assert all(f"du2019.lemma3.1:item_number_{k}" in flat for k in range(12))
    assert "C_du_m31" in text and "≤ 8.1e-05" in text
