"""The wheel ships the theorem files inside the package, and the registry loads them from there."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_theorems_and_loads_them(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    wheel = next(tmp_path.glob("prooftools-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "prooftools/_theorems/vocabulary.toml" in names
        assert "prooftools/_theorems/du2019.toml" in names
        for schema in ("table", "bounds", "graph", "show", "check", "verify", "sweep"):
            assert f"prooftools/schemas/{schema}.schema.json" in names  # users validate with them
        zf.extractall(tmp_path / "site")
    code = (
        "from prooftools.theory import load_registry;"
        "from prooftools.theory.resources import default_theorems_path as p;"
        "r = load_registry(); assert '_theorems' in str(p()), p();"
        "print(len(r))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
    )
    assert int(out.stdout.strip()) > 50
