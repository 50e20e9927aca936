"""The one constraint type (prooftools.options.Option): every run parameter is declared by it,
every refusal is one line in one formula, and every declared option can be refused."""

from __future__ import annotations

import math

import pytest

from prooftools.engines.config import RUN_OPTIONS, RunConfig
from prooftools.errors import UserInputError
from prooftools.options import Option

# ----------------------------------------------------------------------------- the type itself


@pytest.mark.parametrize("opt, good, bad", [
    (Option("k", int, low=1, closed="left"), [1, 2, 3.0, None], [0, 1.5, True, "2", math.inf]),
    (Option("p", float, low=0, high=1), [0.5, 1e-300, 1 - 1e-16], [0, 1, -0.1, math.nan, "x"]),
    (Option("r", float, low=0, high=1, closed="both", optional=False), [0, 1, 0.3], [None, 2]),
    (Option("c", str, choices=("a", "b")), ["a", "b"], ["c", 1, True]),
    (Option("f", bool), [True, False], [1, 0, "true"]),
    (Option("x", float), [-1e300, 0.0, 7], [math.inf, -math.inf, math.nan, "7"]),
])
def test_an_option_accepts_exactly_its_range(opt, good, bad):
    for v in good:
        opt.check(v)
    for v in bad:
        with pytest.raises(UserInputError) as exc:
            opt.check(v)
        msg = str(exc.value)
        assert msg.startswith(f"option {opt.label} must be {opt.describe()}; got {v!r}")
        assert "\n" not in msg


def test_describe_reads_the_closed_ends_as_scikit_learn_does():
    assert Option("a", int, low=1, closed="left").describe() == "an integer ≥ 1"
    assert Option("a", float, low=0).describe() == "a number > 0"
    assert Option("a", float, high=2, closed="right").describe() == "a number ≤ 2"
    assert Option("a", float, low=0, high=1, closed="left").describe() == "a number in [0, 1)"
    with pytest.raises(ValueError):
        Option("a", float, closed="sideways")


def test_run_configuration_fields_are_the_declared_options():
    import dataclasses

    fields = {f.name: f for f in dataclasses.fields(RunConfig)}
    for opt in RUN_OPTIONS:
        assert fields[opt.name].default == opt.default
        assert fields[opt.name].metadata["option"] is opt
        opt.with_default()  # every default lies in its own range
    assert set(fields) - {o.name for o in RUN_OPTIONS} == {"overrides", "options"}


def test_command_line_text_is_converted_by_the_declaration():
    import argparse

    width = Option("width", int, low=1, closed="left")
    assert width.parse("12") == 12
    with pytest.raises(argparse.ArgumentTypeError, match=r"^must be an integer ≥ 1; got '1.5'$"):
        width.parse("1.5")
    assert Option("f", bool).from_text("TRUE") is True
    assert Option("x", float).from_text("2") == 2.0


# ----------------------------------------------------------------------------- every engine


def _status(argv: list[str]) -> int:
    """``prooftools ARGV``'s exit status (argparse's refusals exit through SystemExit)."""
    from prooftools.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def _invalid_values(opt: Option) -> list[list[str]]:
    """Command-line arguments that give ``opt`` an invalid value (at least one each)."""
    flag = opt.cli_flag
    if opt.type is bool:
        return [["--option", f"{opt.name}=maybe"]]
    if opt.choices is not None:
        return [[flag, "not-a-choice"]]
    out = [[flag, "abc"]]
    if opt.type is int:
        out.append([flag, "1.5"])
    if opt.low is not None:
        below = opt.low if opt.closed in ("neither", "right") else opt.low - 1
        out.append([flag, repr(below)])
    if opt.high is not None:
        above = opt.high if opt.closed in ("neither", "left") else opt.high + 1
        out.append([flag, repr(above)])
    return out


def _cases():
    from prooftools.engines.registry import engine_for, registered_engines
    from prooftools.theory import load_registry

    reg = load_registry()
    served = {}
    for st in reg:
        try:
            served.setdefault(engine_for(st).name, st.id)
        except UserInputError:
            continue
    cases = []
    for name, eng in sorted(registered_engines().items()):
        assert name in served, f"no built-in statement runs on the {name} engine"
        assert eng.options or name in ("two_layer_relu",), name
        for opt in eng.options:
            assert opt.type is not str or opt.choices, f"{name}.{opt.name}: a free string " \
                "cannot be refused; declare its choices"
            cases += [pytest.param(served[name], opt, args, id=f"{name}-{opt.name}-{args[-1]}")
                      for args in _invalid_values(opt)]
    return cases


@pytest.fixture(scope="module")
def builtin_registry():
    from prooftools.theory import load_registry

    return load_registry()


@pytest.mark.parametrize("statement, opt, args", _cases())
def test_every_declared_option_of_every_engine_refuses_an_invalid_value(
        statement, opt, args, builtin_registry, monkeypatch, capsys):
    """One generic test: an invalid value for any option any registered engine declares is
    one line naming the option, exit status 2, nothing on stdout, before any training."""
    from prooftools.cli import verify_cmd

    monkeypatch.setattr(verify_cmd, "load_user_registry", lambda args: builtin_registry)
    assert _status(["verify", statement, "--dataset", "sphere:n=4,d=3", "--width", "4",
                 "--depth", "2", "--steps", "1", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("prooftools: error: ")
    assert opt.cli_flag in err and " must be " in err and "; got " in err


def test_run_flags_refuse_in_the_same_formula(capsys):
    for args, flag in ((["--width", "0"], "--width"), (["--delta", "1"], "--delta"),
                       (["--lr", "-1"], "--lr"), (["--constants", "hiden"], "--constants")):
        assert _status(["verify", "du2019.thm4.1", "--dataset", "sphere:n=4,d=3", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"argument {flag}: must be " in err and "; got " in err
