"""Safe expressions: a whitelist over Python's ``ast`` that builds sympy objects.

Theorem files are data. Their formulas are parsed here node by node; nothing is handed to
``eval``, ``sympify`` or ``parse_expr``. Only numbers, declared names, arithmetic, one comparison
per relation (joined by ``and``) and a fixed set of functions are accepted.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy

from prooftools.theory.magnitude import EvaluationTimeout, time_limit

#: Functions a formula may call, by the name it uses.
FUNCTIONS: dict[str, Callable[..., sympy.Expr]] = {
    "sqrt": sympy.sqrt,
    "log": sympy.log,
    "exp": sympy.exp,
    "Min": sympy.Min,
    "Max": sympy.Max,
    "Abs": sympy.Abs,
    "ceiling": sympy.ceiling,
    "floor": sympy.floor,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "acos": sympy.acos,
}
_ARITY = {"log": (1, 2), "Min": (2, 64), "Max": (2, 64)}
CONSTANTS = {"pi": sympy.pi, "E": sympy.E, "oo": sympy.oo}

#: Largest magnitude (in decimal digits) a numeric power may produce; below Python's 4300-digit
#: int-to-str limit so that every accepted number can also be printed.
MAX_DIGITS = 4_000
#: Largest |argument| of exp() with a numeric argument (e^9210 ≈ 10^4000).
MAX_EXP_ARG = MAX_DIGITS * math.log(10)
MAX_TEXT = 4_000
#: Wall-clock limit (seconds) of building one formula: sympy evaluates numeric sub-terms as they
#: are built (``ceiling(cos(10**3999)*10**3999)`` needs thousands of digits of pi).
BUILD_SECONDS = 5.0

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_CMPOPS = {
    ast.Lt: sympy.StrictLessThan,
    ast.LtE: sympy.LessThan,
    ast.Gt: sympy.StrictGreaterThan,
    ast.GtE: sympy.GreaterThan,
    ast.Eq: sympy.Eq,
}


def _is_logical(obj: sympy.Basic) -> bool:
    """True for comparisons and their logical combinations (symbols are sympy Booleans too)."""
    return isinstance(
        obj, (sympy.core.relational.Relational, sympy.logic.boolalg.BooleanFunction,
              sympy.logic.boolalg.BooleanAtom)
    )


class ExpressionError(ValueError):
    """A formula that is not in the accepted language; ``col`` is 1-based when known."""

    def __init__(self, message: str, col: int | None = None):
        super().__init__(message)
        self.col = col


@dataclass(frozen=True)
class Namespace:
    """What a formula may refer to: plain symbols and observables (functions with arity)."""

    symbols: Mapping[str, sympy.Symbol]
    observables: Mapping[str, tuple[type[sympy.Function], int]]

    def unknown(self, name: str) -> str:
        """Why ``name`` is refused: its closest declared names, or (none close) how many there
        are.

        >>> x = sympy.Symbol("lambda0")
        >>> Namespace({"lambda0": x, "n": x}, {}).unknown("lamda0")
        "unknown symbol 'lamda0' (did you mean 'lambda0'?)"
        """
        import difflib

        names = sorted({*self.symbols, *self.observables, *CONSTANTS})
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        if close:
            return f"unknown symbol {name!r} (did you mean {close[0]!r}?)"
        return (f"unknown symbol {name!r}: not among the {len(names)} declared names (a theorem "
                "file declares its own in [symbols.NAME] tables)")


def _node_col(node: ast.AST) -> int | None:
    col = getattr(node, "col_offset", None)
    return None if col is None else col + 1


class _Builder:
    def __init__(self, ns: Namespace, allow_relations: bool):
        self.ns = ns
        self.allow_relations = allow_relations

    def fail(self, node: ast.AST, message: str):
        raise ExpressionError(message, _node_col(node))

    def build(self, node: ast.AST) -> sympy.Basic:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            self.fail(node, f"{_describe(node)} is not allowed in a formula")
        return method(node)

    # -- leaves
    def _Constant(self, node: ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(node, f"{type(value).__name__} literal {value!r} is not allowed")
        if isinstance(value, int):
            if value.bit_length() > MAX_DIGITS * 3.32:
                self.fail(node, "integer literal is too large")
            return sympy.Integer(value)
        if not math.isfinite(value):
            self.fail(node, "non-finite number")
        frac = Fraction(repr(value))  # the decimal as written, exactly
        return sympy.Rational(frac.numerator, frac.denominator)

    def _Name(self, node: ast.Name):
        name = node.id
        if name in self.ns.symbols:
            return self.ns.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in self.ns.observables:
            self.fail(node, f"observable {name!r} must be called with its index, e.g. {name}(k)")
        if name in FUNCTIONS:
            self.fail(node, f"function {name!r} must be called")
        self.fail(node, self.ns.unknown(name))

    # -- arithmetic
    def _BinOp(self, node: ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if isinstance(node.op, ast.BitXor):
            self.fail(node, "'^' is not a power here: use '**' (e.g. n**2)")
        if op is None:
            self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        left, right = self.build(node.left), self.build(node.right)
        for side in (left, right):
            if _is_logical(side):
                self.fail(node, "arithmetic on a comparison is not allowed")
        if isinstance(node.op, ast.Pow):
            self._check_power(node, left, right)
        if isinstance(node.op, ast.Div) and right == 0:
            self.fail(node, "division by zero")
        return op(left, right)

    def _check_power(self, node, base, exponent):
        """Refuse numeric powers beyond 10^±MAX_DIGITS and 0 to a negative power."""
        if exponent.is_number:
            try:
                e = complex(exponent).real
            except (TypeError, ValueError, OverflowError):
                self.fail(node, "power too large to evaluate")
            if abs(e) > MAX_DIGITS:
                # with a symbolic base too: x**(10**9) is never a bound anyone means
                if not (base.is_number and abs(complex(base)) == 1):
                    self.fail(node, f"power too large: exponent {e:.4g} is beyond ±{MAX_DIGITS}")
        if base.is_number and exponent.is_number:
            try:
                b = abs(complex(base))
                e = complex(exponent).real
            except (TypeError, ValueError, OverflowError):
                self.fail(node, "power too large to evaluate")
            if b == 0 and e < 0:
                self.fail(node, "division by zero (0 to a negative power)")
            if b not in (0.0, 1.0) and abs(e * math.log10(b)) > MAX_DIGITS:
                self.fail(node, f"power too large (beyond 10^±{MAX_DIGITS})")

    def _UnaryOp(self, node: ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return -self.build(node.operand)
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand)
        self.fail(node, f"operator {type(node.op).__name__} is not allowed")

    # -- relations
    def _Compare(self, node: ast.Compare):
        if not self.allow_relations:
            self.fail(node, "a comparison is not allowed here (expected a value)")
        if len(node.ops) != 1:
            self.fail(node, "chained comparisons are not allowed; join them with 'and'")
        rel = _CMPOPS.get(type(node.ops[0]))
        if rel is None:
            self.fail(node, f"comparison {type(node.ops[0]).__name__} is not allowed")
        left, right = self.build(node.left), self.build(node.comparators[0])
        if _is_logical(left) or _is_logical(right):
            self.fail(node, "a comparison cannot be compared; join comparisons with 'and'")
        return rel(left, right, evaluate=False)

    def _BoolOp(self, node: ast.BoolOp):
        if not isinstance(node.op, ast.And) or not self.allow_relations:
            self.fail(node, "only 'and' between comparisons is allowed")
        parts = [self.build(v) for v in node.values]
        for part, sub in zip(parts, node.values, strict=True):
            if not isinstance(part, sympy.core.relational.Relational):
                self.fail(sub, "'and' must join comparisons")
        return sympy.And(*parts, evaluate=False)

    # -- calls
    def _Call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            self.fail(node, f"{_describe(node.func)} cannot be called")
        if node.keywords:
            self.fail(node, "keyword arguments are not allowed")
        if any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, "starred arguments are not allowed")
        name = node.func.id
        if name not in self.ns.observables and name not in FUNCTIONS:
            if name in self.ns.symbols:
                self.fail(node, f"{name!r} is a symbol, not a function or observable")
            allowed = ", ".join(sorted(FUNCTIONS))
            self.fail(node, f"unknown function {name!r} (allowed: {allowed})")
        args = [self.build(a) for a in node.args]
        for arg in args:
            if _is_logical(arg):
                self.fail(node, f"{name}() takes values, not comparisons")
        if name in self.ns.observables:
            func, arity = self.ns.observables[name]
            if len(args) != arity:
                self.fail(node, f"observable {name!r} takes {arity} argument(s), got {len(args)}")
            return func(*args)
        if name in FUNCTIONS:
            lo, hi = _ARITY.get(name, (1, 1))
            if not lo <= len(args) <= hi:
                self.fail(node, f"{name}() takes {lo if lo == hi else f'{lo}-{hi}'} argument(s)")
        if name == "exp" and args[0].is_number:
            try:
                too_big = abs(complex(args[0]).real) > MAX_EXP_ARG
            except (TypeError, ValueError, OverflowError):
                too_big = True
            if too_big:
                self.fail(node, f"exp() argument too large (beyond 10^±{MAX_DIGITS})")
        return FUNCTIONS[name](*args)

    def _Expr(self, node: ast.Expr):
        return self.build(node.value)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripting",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.JoinedStr: "an f-string",
        ast.NamedExpr: "an assignment expression",
        ast.IfExp: "a conditional expression",
        ast.List: "a list",
        ast.Tuple: "a tuple",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.Await: "await",
        ast.Yield: "yield",
        ast.Starred: "a starred expression",
    }
    return names.get(type(node), type(node).__name__)


def parse_expression(text: str, ns: Namespace, *, allow_relations: bool = False) -> sympy.Basic:
    """Parse ``text`` into a sympy object using only names from ``ns``.

    >>> n, lam = sympy.symbols("n lambda0", positive=True)
    >>> ns = Namespace({"n": n, "lambda0": lam}, {})
    >>> parse_expression("n**6 / lambda0**4", ns)
    n**6/lambda0**4
    >>> try:
    ...     parse_expression("__import__('os')", ns)
    ... except ExpressionError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    unknown function '__import__' (allowed: Abs, ...)
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected a formula as a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ExpressionError(f"formula longer than {MAX_TEXT} characters")
    if not text.strip():
        raise ExpressionError("empty formula")
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": we report it ourselves
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", exc.offset) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("formula cannot be parsed") from None
    key = _cache_key(text.strip(), tree, ns, allow_relations)
    built = _BUILT.get(key)
    if built is not None:
        return built
    try:
        with time_limit(BUILD_SECONDS):
            built = _Builder(ns, allow_relations).build(tree.body)
    except EvaluationTimeout:
        raise ExpressionError(f"formula too costly to evaluate its numeric parts (more than "
                              f"{BUILD_SECONDS:g} s)") from None
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError("formula nested too deeply") from None
    except (ValueError, TypeError, ArithmeticError, AttributeError) as exc:
        # sympy refuses some well-formed input (e.g. Min of non-comparable numbers); its cache
        # turns a lazily worded TypeError into an AttributeError (acos(sin(10**3999)))
        raise ExpressionError(f"formula cannot be built: {str(exc)[:200]}") from None
    while len(_BUILT) >= _KEEP:
        _BUILT.pop(next(iter(_BUILT)), None)
    _BUILT[key] = built
    return built


#: (text, relations allowed, what each name in it resolves to) → the formula built; each
#: command loads its own registry, and building (sympy's Max/Min above all) dominated loading.
#: A name resolves through the namespace only, so an equal key builds an equal object; only
#: formulas that were built are kept (errors are raised anew, with the namespace's hints).
_BUILT: dict[tuple, sympy.Basic] = {}
_KEEP = 20_000


def _cache_key(text: str, tree: ast.AST, ns: Namespace, allow_relations: bool) -> tuple:
    names = sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)})
    return (text, allow_relations,
            tuple((n, ns.symbols.get(n), ns.observables.get(n)) for n in names))
