"""The words a user reads when something is off: did-you-mean for flags and symbols, an empty
theorem folder, a global ``--theorems``, ``-v``'s configuration, ``check``'s hint for
``--depth`` and citations a user can follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from prooftools.cli import main

PAPER = """\
format = 1

[paper]
key = "mine2024"
title = "Mine"
authors = ["A. Person"]
year = 2024
venue = "arXiv"
arxiv = "2401.00001"
version = "v1"

[[statements]]
id = "thm1"
kind = "theorem"
title = "A width"
source = "§1"
provenance = "recollection"

[[statements.bounds]]
name = "width"
kind = "width"
expr = "{expr}"
"""


def _paper(folder: Path, expr: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mine.toml"
    path.write_text(PAPER.replace("{expr}", expr), encoding="utf-8")
    return path


def _error(capsys, *argv: str) -> str:
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse's own mistakes
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("prooftools: error: ") and "Traceback" not in err
    return err.splitlines()[0]


@pytest.mark.parametrize("argv, hint", [
    (["verify", "du2019.thm4.1", "--dataset", "sphere:n=6,d=8", "--widht", "32"],
     "unrecognized arguments: --widht 32; did you mean --width?"),
    (["list", "--wdie"], "did you mean --wide?"),
    (["bounds", "du2019.thm4.1", "--n", "10", "--lamda0", "1e-3"], "did you mean --lambda0?"),
])
def test_a_mistyped_flag_gets_the_closest_one(capsys, argv, hint):
    assert hint in _error(capsys, *argv)


def test_a_flag_nothing_like_any_other_gets_no_guess(capsys):
    line = _error(capsys, "list", "--zzzzzzzz")
    assert "unrecognized arguments: --zzzzzzzz" in line and "did you mean" not in line


def test_caret_is_told_to_be_a_double_star(capsys, tmp_path):
    path = _paper(tmp_path, "n^2 / lambda0")
    line = _error(capsys, "list", "--theorems", str(tmp_path))
    assert f"{path}:" in line and "bounds.width" in line and "use '**'" in line


def test_an_unknown_symbol_gets_its_close_match_not_a_list(capsys, tmp_path):
    _paper(tmp_path, "n**2 / lamda0")
    line = _error(capsys, "list", "--theorems", str(tmp_path))
    assert "unknown symbol 'lamda0' (did you mean 'lambda0'?)" in line
    assert "declared:" not in line and "…" not in line
    _paper(tmp_path, "n**2 / qqqqqqq")
    line = _error(capsys, "list", "--theorems", str(tmp_path))
    assert "unknown symbol 'qqqqqqq'" in line and "did you mean" not in line


def test_an_empty_theorem_folder_says_so(capsys, tmp_path):
    line = _error(capsys, "list", "--theorems", str(tmp_path))
    assert f"{tmp_path}: no theorem files (*.toml) in this folder" in line


def test_theorems_before_the_command_and_after_it(capsys, tmp_path):
    _paper(tmp_path / "a", "n**2 / lambda0")
    assert main(["--theorems", str(tmp_path / "a"), "list"]) == 0
    assert "mine2024.thm1" in capsys.readouterr().out
    # the same file named twice (folder before, file after) is loaded once
    assert main(["--theorems", str(tmp_path / "a"), "list", "--theorems",
                 str(tmp_path / "a" / "mine.toml")]) == 0
    assert capsys.readouterr().out.count("mine2024.thm1") == 1
    assert main(["--theorems", str(tmp_path / "a" / "mine.toml"), "show", "mine2024.thm1"]) == 0
    assert "A width" in capsys.readouterr().out


def test_verbose_prints_the_configuration_as_lines_and_eta_to_six_digits(capsys):
    argv = ["-v", "verify", "du2019.thm4.1", "--dataset", "sphere:n=6,d=8", "--width", "32",
            "--steps", "20", "--format", "json"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "\n  width = 32\n" in err and "\n  steps = 20\n" in err and "{'width'" not in err
    eta = err.split("η = ", 1)[1].split()[0]
    assert len(eta.replace("0.", "").lstrip("0").replace(".", "").split("e")[0]) <= 6, eta


def test_check_without_depth_says_how_to_measure_lambda_ntk(capsys):
    argv = ["check", "sphere:n=12,d=5", "--theorem", "du2019deep.relu_gram", "--no-cache"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "(needs --depth L)" in out and "add --depth L" in out
    assert main([*argv, "--depth", "2"]) == 0
    assert "--depth" not in capsys.readouterr().out  # measured: no hint


def test_compare_cites_papers_not_working_notes(capsys):
    assert main(["compare", "--n", "1e3", "--L", "3", "--delta", "0.1", "--lambda0", "1e-3",
                 "--sep", "0.05"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    bridges = out.split("bridges between data quantities", 1)[1]
    assert ".md" not in bridges and "Arora et al. 2019, arXiv:1901.08584" in bridges



def test_a_flow_report_names_its_ode_solver_and_tolerance(capsys):
    argv = ["verify", "du2019.thm3.2", "--dataset", "sphere:n=6,d=8", "--width", "64",
            "--steps", "20", "--flow", "--flow-tol", "1e-7"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "gradient flow: scipy solve_ivp RK45, rtol = 1e-07, atol = 1e-07" in out
    argv = ["verify", "du2019.thm4.1", "--dataset", "sphere:n=6,d=8", "--width", "64",
            "--steps", "20"]
    assert main(argv) == 0 and "gradient flow" not in capsys.readouterr().out  # GD: none
