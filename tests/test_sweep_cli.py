"""``prooftools sweep`` as a user sees it: formats, figures, one-line errors, Ctrl-C."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prooftools.cli import main
from prooftools.reporting.latex import standalone

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
           "--n", "8", "16", "32", "--seeds", "2", "--m-range", "2", "4096", "--resolution", "0",
           "--runner", "prooftools.sweep.synthetic:planted", "--option", "c=1", "--option", "a=2",
           "--scheduler", "synchronous", "--no-progress"]


def test_json_output_and_figures(tmp_path, capsys):
    assert main([*PLANTED, "--store", str(tmp_path / "s"), "--format", "json",
                 "--figures", str(tmp_path / "fig")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [t["m_star"] for t in out["thresholds"]] == [64, 256, 1024]
    assert abs(out["width_fits"][0]["fit"]["slope"] - 2) < 1e-9
    (png,) = (tmp_path / "fig").glob("*.png")
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_formats_carry_the_tables(tmp_path, capsys, fmt):
    assert main([*PLANTED, "--store", str(tmp_path), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "markdown":  # Markdown escapes * and _ (literal text, not emphasis)
        assert r"Threshold widths m\*" in out
        out = re.sub(r"\\([\\`*_\[\]<>|])", r"\1", out)
    assert "Threshold widths m*" in out and "Width exponents" in out and "1024" in out


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_output_compiles(tmp_path, capsys):
    assert main([*PLANTED, "--store", str(tmp_path / "s"), "--format", "latex"]) == 0
    body = capsys.readouterr().out
    # the same check as every other LaTeX output: no error, no overfull box over 1 pt
    from test_latex_compile import compile_problems

    assert compile_problems(standalone(body), tmp_path, "sweep") == []


@pytest.mark.parametrize("extra, message", [
    (["--target", "du2019.lemma3.1.nope"], "has no item 'nope'"),
    (["--target", "du2019.thm4.1.linear_rate"], "is not du2019.lemma3.1 or a statement"),
    (["--scheduler", "carrier-pigeon"], "scheduler must be"),
    (["--m-range", "64", "8"], "width range"),
    (["--mode", "scaling"], "scaling mode needs the widths"),
])
def test_user_mistakes_are_one_line(tmp_path, capsys, extra, message):
    args = ["sweep", "du2019.lemma3.1", "--n", "8", "--store", str(tmp_path), "--no-progress",
            "--scheduler", "synchronous", *extra]
    if "--target" not in extra:
        args += ["--target", "du2019.lemma3.1.init_deviation"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_unknown_statement_is_one_line(tmp_path, capsys):
    assert main(["sweep", "nobody2020.thm1", "--store", str(tmp_path), "--scheduler",
                 "synchronous"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("echo", [KeyboardInterrupt, ImportError, ValueError])
def test_an_interrupt_in_disguise_keeps_the_resume_hint(tmp_path, capsys, monkeypatch, echo):
    """After SIGINT, whatever the sweep raises (a C-extension import says "ImportError:
    initialization failed") still gets the "finished runs are stored" line and exit 130;
    without a SIGINT a ValueError stays a bug (re-raised)."""
    from prooftools.cli import interrupt
    from prooftools.sweep import entry

    def broken(*a, **k):
        raise echo("initialization failed")

    monkeypatch.setattr(entry, "sweep", broken)
    store = tmp_path / "s"
    monkeypatch.setitem(interrupt._state, "interrupted", echo is not ValueError)
    if echo is ValueError:
        with pytest.raises(ValueError):
            main([*PLANTED, "--store", str(store)])
        return
    assert main([*PLANTED, "--store", str(store)]) == 130
    assert capsys.readouterr().err.startswith(
        f"prooftools: interrupted; finished runs are stored in {store}")


def test_ctrl_c_stops_cleanly_with_130(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    store = tmp_path / "s"
    cmd = [sys.executable, "-m", "prooftools", *PLANTED, "--store", str(store),
           "--option", "sleep=0.05"]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 60
    while time.monotonic() < end and len([p for p in (store / "runs").glob("[!.]*.json")]
                                         if (store / "runs").is_dir() else []) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 130
    assert err.strip().splitlines() == [
        f"prooftools: interrupted; finished runs are stored in {store} (rerun the same command "
        "to resume)"]
    for p in (store / "runs").glob("[!.]*"):
        json.loads(p.read_text())  # nothing half-written under a final name
