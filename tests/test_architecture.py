"""The layering of docs/architecture.md: theory and numerics never import each other."""

import ast
import re
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "prooftools"

FORBIDDEN = {
    "numerics": ("sympy", "prooftools.theory", "prooftools.checking", "prooftools.reporting",
                 "prooftools.cli", "matplotlib"),
    "engines": ("prooftools.checking", "prooftools.reporting", "prooftools.cli",
                "matplotlib"),
    "theory": ("prooftools.numerics", "prooftools.checking", "prooftools.reporting",
               "prooftools.cli"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer):
    bad = []
    for path in sorted((PKG / layer).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.name} imports {name}")
    assert not bad, bad


VERDICT_WORDS = {"holds", "fails", "unknown", "not guaranteed", "not-guaranteed",
                 "not applicable", "not-applicable"}
#: Generic modules: they serve every paper, so they name none (docstrings may use examples).
GENERIC = ["numerics/data", "numerics/kernels", "numerics/spectra", "numerics/trajectory.py",
           "numerics/training.py",
           "numerics/quantity.py", "checking", "engines/base.py", "engines/config.py",
           "engines/registry.py", "engines/contract.py", "engines/step_size.py", "theory",
           "reporting/tables.py", "reporting/figures.py"]


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """String literals that are not docstrings, with their line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def _files(rel: str) -> list[Path]:
    p = PKG / rel
    return [p] if p.suffix == ".py" else sorted(p.rglob("*.py"))


def test_verdict_words_appear_only_in_checking():
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        if "checking" in path.relative_to(PKG).parts:
            continue
        for line, s in _string_constants(path):
            words = s.strip().lower()
            if words in VERDICT_WORDS or words.startswith(("holds (", "fails (")):
                bad.append(f"{path.relative_to(PKG)}:{line}: {s!r}")
    assert not bad, bad


#: A derivation's verdicts (docs/derivations.md) are other words, with one home of their own.
DERIVATION_VERDICT_WORDS = {"agrees", "stated looser", "stated tighter", "not derivable"}
DERIVATION_VERDICT_HOME = Path("theory") / "derivation" / "verdict.py"


def test_derivation_verdict_words_appear_only_in_their_module():
    from prooftools.theory.derivation import VERDICTS

    assert set(VERDICTS) == DERIVATION_VERDICT_WORDS
    assert not DERIVATION_VERDICT_WORDS & VERDICT_WORDS
    bad = [f"{path.relative_to(PKG)}:{line}: {s!r}"
           for path in sorted(PKG.rglob("*.py")) if path.relative_to(PKG) != DERIVATION_VERDICT_HOME
           for line, s in _string_constants(path) if s.strip() in DERIVATION_VERDICT_WORDS]
    assert not bad, bad


def test_generic_modules_name_no_paper():
    from prooftools.theory import load_registry

    papers = sorted({st.paper for st in load_registry()})
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, papers)) + r")\b")
    bad = [f"{path.relative_to(PKG)}:{line}: {s!r}"
           for rel in GENERIC for path in _files(rel)
           for line, s in _string_constants(path) if pattern.search(s)]
    assert not bad, bad


def test_modules_stay_small_and_checking_functions_short():
    long_modules = [f"{p.relative_to(PKG)}: {n}" for p in sorted(PKG.rglob("*.py"))
                    if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450]
    assert not long_modules, long_modules
    long_functions = []
    for path in sorted((PKG / "checking").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 70:
                long_functions.append(f"{path.name}:{node.name} "
                                      f"({node.end_lineno - node.lineno + 1} lines)")
    assert not long_functions, long_functions
