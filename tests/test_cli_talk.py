"""``-q/--quiet`` and ``-v/--verbose`` on every command: what each prints to stderr, and the
progress setting each hands to the work (bars off, bars on)."""

from __future__ import annotations

import io

import pytest

from prooftools.cli import build_parser, main

VERIFY = ["verify", "du2019.thm4.1", "--dataset", "sphere:n=6,d=8", "--width", "32",
          "--steps", "30", "--format", "json"]


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, so bars are allowed unless -q says no."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def bars(monkeypatch):
    """Record the ``progress`` setting of every training progress bar that is made."""
    import prooftools.numerics.training as training

    seen: list = []
    real = training.progress_bar

    def spy(total, progress, desc):
        seen.append(progress)
        return real(total, progress, desc)

    monkeypatch.setattr(training, "progress_bar", spy)
    return seen


def test_every_command_accepts_both_flags_before_and_after_its_name():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        help_text = command.format_help()
        assert "--quiet" in help_text and "--verbose" in help_text, name
    assert parser.parse_args(["list", "-q"]).progress is False
    assert parser.parse_args(["-v", "list"]).progress is True
    assert parser.parse_args(["-v", "list", "-q"]).progress is False  # the last word wins
    assert parser.parse_args(["list"]).progress is None


def test_quiet_verify_prints_no_progress_bar_even_on_a_terminal(monkeypatch, capsys, bars):
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    assert main(["-q", *VERIFY]) == 0
    assert bars and all(p is False for p in bars)  # the training loop was told: no bar
    assert term.getvalue() == ""
    assert capsys.readouterr().out.startswith("{")  # the result itself is all there is


def test_verbose_verify_prints_bars_options_and_timings(capsys, bars):
    assert main([*VERIFY, "--verbose"]) == 0
    err = capsys.readouterr().err
    assert bars and all(p is True for p in bars)
    assert "it/s" in err or "%|" in err  # a tqdm bar, although stderr is not a terminal
    assert "prooftools: verify: " in err and "width=32" in err  # the options given
    assert "engine two_layer_relu" in err and "items judged in" in err
    assert "verify finished in" in err
    main(["-q", *VERIFY])
    assert capsys.readouterr().err == ""  # quiet prints none of it


@pytest.mark.parametrize("argv", [["show", "du2019.thm4.1"], ["datasets"],
                                  ["table", "--n", "1e3", "--lambda0", "1e-3"]])
def test_verbose_and_quiet_on_other_commands(capsys, argv):
    assert main(["-v", *argv]) == 0
    cap = capsys.readouterr()
    assert f"prooftools: {argv[0]} finished in" in cap.err
    assert main([*argv, "-q"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == cap.out  # the same output, nothing else


def test_quiet_check_hands_no_bar_to_the_measurements(monkeypatch, capsys):
    import prooftools.checking.data_hypotheses as dh

    seen = []
    real = dh.measure_cached

    def spy(*args, **kw):
        seen.append(kw.get("progress"))
        return real(*args, **kw)

    monkeypatch.setattr(dh, "measure_cached", spy)
    assert main(["check", "sphere:n=10,d=4", "--theorem", "du2019.asm3.1", "-q"]) == 0
    assert seen == [False] and capsys.readouterr().err == ""
    assert main(["check", "sphere:n=10,d=4", "--theorem", "du2019.asm3.1", "-v"]) == 0
    assert seen[-1] is True
    assert "check finished in" in capsys.readouterr().err
