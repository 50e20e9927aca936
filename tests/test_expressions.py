"""The safe expression parser: the whitelist, exact numbers, and hypothesis properties.

Properties: random expression trees printed by sympy parse back to the same expression, and random
or adversarial strings either parse or raise ``ExpressionError`` — without ever executing code.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from prooftools.theory.expressions import (
    FUNCTIONS,
    MAX_TEXT,
    ExpressionError,
    Namespace,
    parse_expression,
)

N, M, LAM, DELTA = sympy.symbols("n m lambda0 delta", positive=True)
X = sympy.Symbol("x", real=True)
K = sympy.Symbol("k", nonnegative=True, integer=True)
RESID = sympy.Function("resid_sq")
DIST = sympy.Function("dist_layer")
NS = Namespace(
    {"n": N, "m": M, "lambda0": LAM, "delta": DELTA, "x": X, "k": K},
    {"resid_sq": (RESID, 1), "dist_layer": (DIST, 2)},
)


def parse(text: str, *, rel: bool = False) -> sympy.Basic:
    return parse_expression(text, NS, allow_relations=rel)


# --------------------------------------------------------------------------- whitelist: accepted
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n**6 / lambda0**4", N**6 / LAM**4),
        ("-n + 2*m", -N + 2 * M),
        ("+n", N),
        ("sqrt(n) * log(n/delta)", sympy.sqrt(N) * sympy.log(N / DELTA)),
        ("log(n, 2)", sympy.log(N) / sympy.log(2)),
        ("exp(-lambda0) + Abs(x)", sympy.exp(-LAM) + sympy.Abs(X)),
        ("Min(n, m) + Max(n, m, 3)", sympy.Min(N, M) + sympy.Max(N, M, 3)),
        ("ceiling(n/2) + floor(n/3)", sympy.ceiling(N / 2) + sympy.floor(N / 3)),
        ("sin(x) + cos(x) + acos(x)", sympy.sin(X) + sympy.cos(X) + sympy.acos(X)),
        ("pi * E", sympy.pi * sympy.E),
        ("oo", sympy.oo),
        ("resid_sq(k) + resid_sq(0)", RESID(K) + RESID(0)),
        ("dist_layer(2, k)", DIST(2, K)),
    ],
)
def test_accepted_formulas(text, expected):
    assert parse(text) == expected


def test_decimals_are_exact_rationals():
    assert parse("0.1") == sympy.Rational(1, 10)
    assert parse("1e-3") == sympy.Rational(1, 1000)
    assert parse("2.5e2") == sympy.Integer(250)
    assert parse("1e300") == sympy.Integer(10) ** 300  # exact, not a float
    assert isinstance(parse("0.3"), sympy.Rational)


def test_relations_and_conjunctions():
    rel = parse("resid_sq(k) <= (1 - lambda0/2)**k * resid_sq(0)", rel=True)
    assert isinstance(rel, sympy.LessThan)
    assert rel.lhs == RESID(K)
    both = parse("n == 1 and m > 2", rel=True)
    assert isinstance(both, sympy.And)
    assert set(both.args) == {sympy.Eq(N, 1, evaluate=False), sympy.Gt(M, 2)}
    for text, cls in (("n < m", sympy.StrictLessThan), ("n > m", sympy.StrictGreaterThan),
                      ("n >= m", sympy.GreaterThan), ("n == n", sympy.Eq)):
        assert isinstance(parse(text, rel=True), cls)


def test_function_table_is_the_documented_one():
    assert set(FUNCTIONS) == {"sqrt", "log", "exp", "Min", "Max", "Abs", "ceiling", "floor",
                              "sin", "cos", "acos"}


# --------------------------------------------------------------------------- whitelist: refused
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n.real", "attribute access"),
        ("n.__class__", "attribute access"),
        ("__import__('os').system('true')", "cannot be called"),
        ("__import__('os')", "unknown function '__import__'"),
        ("n[0]", "subscripting"),
        ("lambda: n", "a lambda"),
        ("[n for n in (1, 2)]", "a comprehension"),
        ("{n for n in (1, 2)}", "a comprehension"),
        ("(n for n in (1, 2))", "a comprehension"),
        ("{n: 1 for n in (1, 2)}", "a comprehension"),
        ("f'{n}'", "an f-string"),
        ("(y := n)", "an assignment expression"),
        ("n if m else 1", "a conditional expression"),
        ("[n]", "a list"),
        ("(n, m)", "a tuple"),
        ("{n: 1}", "a dict"),
        ("{n}", "a set"),
        ("'n'", "str literal"),
        ("b'n'", "bytes literal"),
        ("True", "bool literal"),
        ("None", "NoneType literal"),
        ("1j", "complex literal"),
        ("...", "ellipsis literal"),
        ("log(n, base=2)", "keyword arguments"),
        ("Max(*n)", "starred arguments"),
        ("n // m", "operator FloorDiv"),
        ("n % m", "operator Mod"),
        ("n @ m", "operator MatMult"),
        ("n ^ m", "'^' is not a power here: use '**'"),
        ("~n", "operator Invert"),
        ("not n", "operator Not"),
        ("unknown_symbol", "unknown symbol 'unknown_symbol'"),
        ("gamma(n)", "unknown function 'gamma'"),
        ("eval('1')", "unknown function 'eval'"),
        ("n(2)", "'n' is a symbol, not a function"),
        ("resid_sq", "must be called with its index"),
        ("resid_sq(k, k)", "takes 1 argument(s), got 2"),
        ("sqrt", "function 'sqrt' must be called"),
        ("sqrt(n, 2)", "sqrt() takes 1 argument(s)"),
        ("Min(n)", "Min() takes 2-64 argument(s)"),
        ("sqrt(n > 1)", "a comparison is not allowed here"),
        ("n / 0", "division by zero"),
        ("n / (m - m)", "division by zero"),
        ("1e400", "non-finite number"),
        ("n **", "syntax error"),
        ("", "empty formula"),
        ("   ", "empty formula"),
        ("10**10**10", "power too large"),
        ("9**9**9**9", "power too large"),
        ("10**4001", "power too large"),
        ("0.1**4001", "power too large"),
        ("(10**5000)**(10**5000)", "power too large"),
        ("E**(10**5)", "power too large"),
        ("n**100000", "power too large"),
        ("(" * 300 + "n" + ")" * 300, "syntax error"),
        ("-" * 3990 + "n", "cannot be parsed"),
    ],
)
def test_refused_formulas(text, message):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n < m < 1", "chained comparisons"),
        ("n > 1 or m > 1", "only 'and'"),
        ("n > 1 and 2", "'and' must join comparisons"),
        ("(n > 1) + 1", "arithmetic on a comparison"),
        ("sqrt(n > 1)", "takes values, not comparisons"),
        ("n is m", "comparison Is"),
        ("n in m", "comparison In"),
        ("n != m", "comparison NotEq"),
    ],
)
def test_refused_relations(text, message):
    with pytest.raises(ExpressionError) as info:
        parse(text, rel=True)
    assert message in str(info.value)


def test_comparison_refused_where_a_value_is_expected():
    with pytest.raises(ExpressionError, match="comparison is not allowed here"):
        parse("n > 1")
    with pytest.raises(ExpressionError, match="only 'and'"):
        parse("n and m")


def test_error_column_points_at_the_offending_node():
    with pytest.raises(ExpressionError) as info:
        parse("n + m.real")
    assert info.value.col == 5


def test_non_string_and_overlong_input():
    with pytest.raises(ExpressionError, match="expected a formula as a string"):
        parse_expression(3, NS)  # type: ignore[arg-type]
    with pytest.raises(ExpressionError, match="longer than"):
        parse("n+" * (MAX_TEXT // 2) + "n")


def test_huge_powers_are_refused_fast():
    # the margin is wide (a loaded machine must not fail it, issue 20): an exact 10**10**10
    # would take hours; what is asserted is that, and why, each is refused
    for text in ("10**10**10", "9**9**9**9", "2**2**2**2**2**2", "10**10**10**10"):
        start = time.perf_counter()
        with pytest.raises(ExpressionError, match="power too large"):
            parse(text)
        assert time.perf_counter() - start < 60.0, text


def test_largest_allowed_power_is_exact():
    assert parse("10**4000") == sympy.Integer(10) ** 4000


def test_comparison_of_a_comparison_is_refused():
    with pytest.raises(ExpressionError):
        parse("(n > 1) > 0", rel=True)


def test_zero_to_a_negative_power_is_refused():
    with pytest.raises(ExpressionError):
        parse("0**-1")


@pytest.mark.parametrize("text", ["0.1**-10001", "0.5**-40000"])
def test_huge_power_with_negative_exponent_is_refused(text):
    with pytest.raises(ExpressionError, match="power too large"):
        parse(text)


def test_floor_of_huge_exp_raises_expression_error():
    with pytest.raises(ExpressionError):
        parse("floor(exp(10**5))")


@pytest.mark.parametrize("text", ["Min(sqrt(-1), 1)", "Max(0**-1, n)", "Min(log(0), n)"])
def test_min_max_of_non_real_raises_expression_error(text):
    with pytest.raises(ExpressionError):
        parse(text)


# ---------------------------------------------------------------- formulas that must not hang
HANGS = {
    "neg_exponent_int": "10**-10**9",
    "neg_exponent_fraction": "(1/3)**(-10**9)",
    "floor_exp_huge": "floor(exp(10**9999))",
    "min_exp_huge": "Min(exp(10**9999), 3)",
    "ceiling_exp_exp": "ceiling(exp(exp(100)))",
}
_CHILD = (
    "import sys, sympy\n"
    "from prooftools.theory.expressions import ExpressionError, Namespace, parse_expression\n"
    "ns = Namespace({'n': sympy.Symbol('n', positive=True)}, {})\n"
    "try:\n"
    "    parse_expression(sys.argv[1], ns)\n"
    "    print('PARSED')\n"
    "except ExpressionError:\n"
    "    print('REFUSED')\n"
)
HANG_LIMIT_S = 120.0  # a hang runs for hours; start-up under load takes seconds (issue 20)


@pytest.fixture(scope="module")
def hang_results():
    """Run every formula of HANGS in its own process, concurrently, killed after a limit."""
    procs = {
        key: subprocess.Popen([sys.executable, "-c", _CHILD, text], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        for key, text in HANGS.items()
    }
    deadline = time.monotonic() + HANG_LIMIT_S
    out = {}
    for key, proc in procs.items():
        try:
            stdout, _ = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
            out[key] = stdout.strip() or f"exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            out[key] = "TIMEOUT"
    return out


@pytest.mark.parametrize("key", sorted(HANGS))
def test_adversarial_magnitudes_are_refused_quickly(key, hang_results):
    assert hang_results[key] == "REFUSED", f"{HANGS[key]!r}: {hang_results[key]}"


# ----------------------------------------------------------------------- property: round trip
SYMS = [N, M, LAM, DELTA, X]
_leaves = st.one_of(
    st.sampled_from(SYMS),
    st.integers(-20, 20).map(sympy.Integer),
    st.tuples(st.integers(-9, 9), st.integers(1, 9)).map(lambda t: sympy.Rational(*t)),
    st.sampled_from([sympy.pi, sympy.E]),
)
_UNARY = [sympy.sqrt, sympy.log, sympy.exp, sympy.Abs, sympy.ceiling, sympy.floor, sympy.sin,
          sympy.cos]


def _safe(op, *args):
    """Apply ``op``; fall back to the first argument where sympy refuses or gives zoo/nan."""
    try:
        out = op(*args)
    except (ValueError, TypeError, ZeroDivisionError):
        return args[0]
    return args[0] if out.has(sympy.zoo, sympy.nan, sympy.I) else out


_BINOPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
           "/": lambda a, b: a / b, "**": lambda a, b: a**b}


def _extend(children):
    binop = st.tuples(st.sampled_from("+-*/"), children, children).map(
        lambda t: _safe(_BINOPS[t[0]], t[1], t[2])
    )
    power = st.tuples(children, st.sampled_from([2, 3, -1, sympy.Rational(1, 2)])).map(
        lambda t: _safe(_BINOPS["**"], t[0], sympy.sympify(t[1]))
    )
    unary = st.tuples(st.sampled_from(_UNARY), children).map(lambda t: _safe(t[0], t[1]))
    minmax = st.tuples(st.sampled_from([sympy.Min, sympy.Max]), children, children).map(
        lambda t: _safe(t[0], t[1], t[2])
    )
    return st.one_of(binop, power, unary, minmax)


expressions = st.recursive(_leaves, _extend, max_leaves=8)


def _same(a: sympy.Basic, b: sympy.Basic) -> bool:
    return a == b or sympy.simplify(a - b) == 0


@settings(max_examples=200, deadline=timedelta(seconds=60), database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_printed_expressions_parse_back(expr):
    assume(not expr.has(sympy.I, sympy.zoo, sympy.nan, sympy.oo, -sympy.oo))
    assume(not expr.has(sympy.AccumBounds))
    text = str(expr)
    assert _same(_parse_in_range(text), expr), text


def _parse_in_range(text: str, *, rel: bool = False) -> sympy.Basic:
    """Parse, discarding the example when it is refused for magnitude (e.g. exp(exp(10)))."""
    try:
        return parse(text, rel=rel)
    except ExpressionError as exc:
        assume("too large" not in str(exc))
        raise


@settings(max_examples=100, deadline=timedelta(seconds=60), database=None)
@given(expressions, expressions, st.sampled_from(["<", "<=", ">", ">="]))
@example(sympy.Integer(0), N, ">=")  # contradicts 'n > 0': the conjunction is False (CI found it)
def test_printed_relations_parse_back(lhs, rhs, op):
    for side in (lhs, rhs):
        assume(not side.has(sympy.I, sympy.zoo, sympy.nan, sympy.oo, -sympy.oo))
    text = f"({lhs}) {op} ({rhs})"
    rel = _parse_in_range(text, rel=True)
    assert type(rel).__name__ in {"StrictLessThan", "LessThan", "StrictGreaterThan",
                                  "GreaterThan"}
    assert rel.rel_op == op
    assert _same(rel.lhs, lhs) and _same(rel.rhs, rhs)
    both = _parse_in_range(f"{text} and n > 0", rel=True)
    # 'r and n > 0' is sympy's And of the two parts parsed alone, whatever it collapses to:
    # r itself when r is n > 0, False when r contradicts it ('0 >= n and n > 0')
    expected = sympy.And(rel, _parse_in_range("n > 0", rel=True))
    assert both == expected or both.canonical == expected.canonical


# ------------------------------------------------------------- property: never executes code
class _Tripwire:
    """Records every call of the functions that would mean 'code was executed'."""

    WATCHED_MODULES = frozenset({"os", "subprocess", "shutil", "socket", "ctypes", "pty",
                                 "posix"})

    def __init__(self):
        self.calls: list[str] = []

    @contextlib.contextmanager
    def armed(self):
        real_import, real_eval, real_exec = builtins.__import__, builtins.eval, builtins.exec
        real_system, real_popen, real_sub = os.system, os.popen, subprocess.Popen

        def fake_import(name, *args, **kwargs):
            if name.split(".")[0] in self.WATCHED_MODULES:
                self.calls.append(f"import {name}")
            return real_import(name, *args, **kwargs)

        def record(label):
            def fake(*args, **kwargs):
                self.calls.append(f"{label}{args!r}")
                raise RuntimeError(f"{label} called from a formula")

            return fake

        builtins.__import__ = fake_import
        builtins.eval, builtins.exec = record("eval"), record("exec")
        os.system, os.popen, subprocess.Popen = record("os.system"), record("os.popen"), \
            record("subprocess.Popen")
        try:
            yield self
        finally:
            builtins.__import__, builtins.eval, builtins.exec = real_import, real_eval, real_exec
            os.system, os.popen, subprocess.Popen = real_system, real_popen, real_sub


PWNED = Path(os.environ.get("TMPDIR", "/tmp")) / f"prooftools_pwned_{os.getpid()}"
_EVIL = [
    f"__import__('os').system('touch {PWNED}')",
    f"open('{PWNED}', 'w').write('x')",
    "exec('import os')",
    "eval('1+1')",
    "globals()",
    "getattr(n, '__class__')",
    "().__class__.__bases__[0].__subclasses__()",
    "n.__class__.__mro__",
    "__builtins__",
    "lambda: __import__('os')",
    "(lambda x: x)(n)",
    "[c for c in ().__class__.__bases__]",
    "{k: v for k, v in globals().items()}",
    "(x for x in n)",
    "f'{__import__(\"os\").system(\"true\")}'",
    "n[0]",
    "n[::-1]",
    "log(n, base=2)",
    "Max(*[n, m])",
    "(y := 3)",
    "10**10**10",
    "9**9**9**9",
    "2**2**2**2**2",
    "10**10000",
    "n**n**n**n",
    "1e308*10",
    "1e400",
    "'a'*10**9",
    "b'x'",
    "1j",
    "...",
    "None",
    "await n",
    "yield n",
    "n if m else x",
    "not n",
    "n or m",
    "n @ m",
    "breakpoint()",
    "sys.exit(1)",
    "sqrt.__globals__",
    "resid_sq.__init__",
    "(" * 120 + "n" + ")" * 120,
    "(" * 250 + "n" + ")" * 250,
    "-" * 3000 + "n",
    "sqrt(" * 100 + "n" + ")" * 100,
    "n" + "+n" * 1500,
]
_ATOMS = ["n", "m", "x", "lambda0", "delta", "k", "0", "1", "2.5", "1e-3", "pi", "E", "oo",
          "resid_sq(k)", "dist_layer(1, k)", "sqrt(n)", "log(n, 2)", "Min(n, m)"]
_JOINERS = [" + ", " - ", " * ", " / ", " < ", " <= ", " == ", " and ", ", ", ".", "(", ")",
            "[", "]", " ", ":", "=", " := ", " for ", " in ", " lambda ", "**2", "**-1"]
adversarial = st.lists(
    st.one_of(st.sampled_from(_EVIL), st.sampled_from(_ATOMS), st.sampled_from(_JOINERS)),
    min_size=1, max_size=8,
).map("".join)


def _parses_or_refuses(text: str, tripwire: _Tripwire) -> None:
    with tripwire.armed():
        for rel in (False, True):
            try:
                result = parse_expression(text, NS, allow_relations=rel)
            except ExpressionError:
                continue
            assert isinstance(result, sympy.Basic)
    assert tripwire.calls == [], tripwire.calls
    assert not PWNED.exists()


@settings(max_examples=200, deadline=timedelta(seconds=60), database=None)
@given(st.text(max_size=80))
def test_random_text_never_executes(text):
    _parses_or_refuses(text, _Tripwire())


@settings(max_examples=200, deadline=timedelta(seconds=60), database=None)
@given(adversarial)
def test_adversarial_fragments_never_execute(text):
    _parses_or_refuses(text, _Tripwire())


# stable ids (the path holds the pid): pytest-xdist workers must collect the same ids
@pytest.mark.parametrize("text", _EVIL, ids=[f"evil{i}" for i in range(len(_EVIL))])
def test_each_evil_fragment_alone(text):
    start = time.perf_counter()
    _parses_or_refuses(text, _Tripwire())
    assert time.perf_counter() - start < 60.0  # a wide margin: no hang, whatever the load


def test_tripwire_fires_when_code_runs():
    """The sentinel itself can fail: calling the watched functions is recorded."""
    wire = _Tripwire()
    with wire.armed():
        with pytest.raises(RuntimeError):
            os.system("true")
        with pytest.raises(RuntimeError):
            eval("1")  # deliberately tripping the sentinel
        __import__("os")
    assert len(wire.calls) == 3
    assert builtins.eval is not None and os.system.__name__ == "system"


def test_a_formula_is_built_once_per_meaning_of_its_names():
    """Each command loads its own registry: a formula whose names resolve to the same objects is
    built once (expressions._BUILT); another meaning of a name is another formula."""
    text = "Max(n**2, 7*n) + nine_x"
    pos = sympy.Symbol("n", positive=True)
    nine = sympy.Symbol("nine_x", positive=True)
    first = parse_expression(text, Namespace({"n": pos, "nine_x": nine}, {}))
    again = parse_expression(text, Namespace({"n": sympy.Symbol("n", positive=True),
                                              "nine_x": nine, "unused": pos}, {}))
    assert again is first
    plain = sympy.Symbol("n")  # the same name without its assumption
    other = parse_expression(text, Namespace({"n": plain, "nine_x": nine}, {}))
    assert other is not first and plain in other.free_symbols and pos not in other.free_symbols
    for _ in range(2):  # a refused formula is refused each time, with the namespace's hint
        with pytest.raises(ExpressionError, match="did you mean 'nine_x'"):
            parse_expression("nine_y + n", Namespace({"n": pos, "nine_x": nine}, {}))
