"""The layering of docs/architecture.md: theory and numerics never import each other."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "prooftools"

FORBIDDEN = {
    "numerics": ("sympy", "prooftools.theory", "prooftools.checking", "prooftools.reporting",
                 "prooftools.cli", "matplotlib"),
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
