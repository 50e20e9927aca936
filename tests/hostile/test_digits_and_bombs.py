"""Issue 20, item 7: Python's 4300-digit limit, TOML bombs, absurd sweep options.

``compare --n 1e100000`` and a theorem constant near 10^3999 never convert a huge integer to a
string (sympy's sort key of a Max prints its integers; sizes print via their exponent). A 200 KB
dotted key ``a.a.a…`` (gigabytes in tomllib) and a 200 KB header ``[a.a.a…]`` (RecursionError)
are refused before parsing, in one line. ``--seeds 10^12`` and ``--grow inf`` are refused by
their declarations, before a list of seeds is built.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_checks import one_line as _one_line

from prooftools.cli import main
from prooftools.errors import UserInputError


def _main(argv: list[str]) -> int:
    """``main`` as the process would end (argparse's refusals are SystemExit(2))."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def _ok(capsys, rc) -> str:
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "Traceback" not in cap.err
    return cap.out



def test_the_int_str_limit_is_in_force():
    assert sys.get_int_max_str_digits() in range(1, 4301)  # what a user's interpreter has


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_compare_at_n_1e100000(capsys, fmt):
    from prooftools.theory.magnitude import _as_power_of_ten

    before = _as_power_of_ten.cache_info().misses
    out = _ok(capsys, main(["compare", "--n", "1e100000", "--format", fmt]))
    # n = 10^100000 is split into m·10^e once (a bisection of huge divisions), not per bound
    assert _as_power_of_ten.cache_info().misses - before <= 1
    if fmt == "json":
        rows = json.loads(out)["rows"]
        logs = [r["log10"]["1e+100000"] for r in rows if r["log10"].get("1e+100000")]
        assert logs and all(v > 100_000 for v in logs)  # widths grow with n: log10 m > log10 n
    else:
        assert "n=1e100000" in out


THEOREM = """format = 1
[paper]
key = "hz"
title = "big constants"
authors = ["A. Tester"]
year = 2024

[[statements]]
id = "a"
kind = "theorem"
title = "t"
source = "test"
provenance = "derived"
[[statements.bounds]]
name = "b"
kind = "width"
expr = "Max(n, 10**3999) + Min(n, 3*10**3999)"
"""


#: log10 of Max(n, 10^3999) + Min(n, 3·10^3999), worked out by hand
EXPECTED_LOG10 = {"1e3": 3999.0, "1e3999": 3999.0 + 0.30102999566398120,  # 2·10^3999
                  "1e5000": 5000.0, "1e100000": 100000.0}


@pytest.mark.parametrize("n", sorted(EXPECTED_LOG10))
def test_constants_near_10_to_3999_with_huge_n(tmp_path, capsys, monkeypatch, n):
    from prooftools.theory import expressions

    # building 10**3999 is milliseconds; the 5 s guard of a formula's numeric parts must not
    # fail this test on a loaded machine (issue 20 item 9): a wide margin
    monkeypatch.setattr(expressions, "BUILD_SECONDS", 600.0)
    (tmp_path / "hz.toml").write_text(THEOREM)
    out = _ok(capsys, main(["bounds", "hz.a", "--n", n, "--theorems", str(tmp_path),
                            "--format", "json"]))
    (b,) = json.loads(out)["bounds"]
    assert b["log10"] == pytest.approx(EXPECTED_LOG10[n], abs=1e-9)


def _bomb_folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "bomb"
    folder.mkdir()
    (folder / "x.toml").write_text(text)
    return folder


BOMBS = {
    "dotted_key_200kb": "a" + ".a" * 100_000 + " = 1\n",
    "header_200kb": "[" + "a." * 100_000 + "a]\nx = 1\n",
    "array_header_200kb": "[[" + "a." * 100_000 + "a]]\nx = 1\n",
    "quoted_dotted_key": '"a"' + '."a"' * 50_000 + " = 1\n",
    "dotted_key_in_inline_table": "t = {" + "a." * 50_000 + "a = 1}\n",
    "integer_of_5000_digits": "x = " + "7" * 5000 + "\n",
}


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_toml_bombs_are_refused_before_parsing(tmp_path, capsys, monkeypatch, kind):
    import tomllib

    real = tomllib.loads

    def guarded(text, *a, **k):  # the built-in theorem files still load
        if text == BOMBS[kind]:
            raise AssertionError("tomllib was handed the bomb")
        return real(text, *a, **k)

    monkeypatch.setattr(tomllib, "loads", guarded)
    folder = _bomb_folder(tmp_path, BOMBS[kind])
    err = _one_line(capsys, main(["list", "--theorems", str(folder)]))
    assert "x.toml" in err and "refused before parsing" in err


def test_a_modest_dotted_key_still_reaches_the_parser(tmp_path, capsys):
    folder = _bomb_folder(tmp_path, "a.b.c = 1\n")
    assert main(["list", "--theorems", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "unknown top-level key 'a'" in err  # the schema's message, not the bomb's
    assert "refused before parsing" not in err and "Traceback" not in err


SWEEP = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3", "--n", "8",
         "--m-range", "2", "64", "--runner", "prooftools.sweep.synthetic:planted",
         "--scheduler", "synchronous", "--no-progress"]


@pytest.mark.parametrize("flags, message", [
    (["--seeds", "1000000000000"], "argument --seeds: must be an integer in [1, 100000]"),
    (["--seeds", "1e12"], "argument --seeds"),
    (["--grow", "inf"], "argument --grow: must be a number in [0, "),
    (["--grow", "nan"], "argument --grow"),
    (["--grow", "1e300"], "argument --grow"),
    (["--grow", "0.5"], "grow must be 0"),
])
def test_absurd_sweep_options_are_one_line(tmp_path, capsys, flags, message):
    store = tmp_path / "s"
    err = _one_line(capsys, _main([*SWEEP, *flags, "--store", str(store)]))
    assert message in err
    assert not store.exists()


def test_the_api_refuses_a_trillion_seeds_without_listing_them():
    from prooftools.sweep.spec import SweepSpec

    with pytest.raises(UserInputError, match="at most 100000 values"):
        SweepSpec("du2019.lemma3.1", seeds=range(10**12))
    with pytest.raises(UserInputError, match="at most 100000 values"):
        SweepSpec("du2019.lemma3.1", seeds=iter(range(10**12)))
    with pytest.raises(UserInputError, match="grow must be"):
        SweepSpec("du2019.lemma3.1", grow=float("inf"))
