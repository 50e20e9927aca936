"""Issue 20, item 4: one broken engine plug-in must not affect the built-in statements.

The plug-ins are real entry points: a ``fakeplug-0.1.dist-info`` folder with an
``entry_points.txt`` on ``sys.path``, next to the modules they name. An import that raises, one
that calls ``sys.exit``, a constructor that raises, an object that is no Engine and an engine
without a name are each listed by ``prooftools engines`` as broken with a one-line reason and
skipped; ``verify`` of a built-in statement runs normally. An engine whose ``run`` returns the
wrong types gets one error line naming it.
"""

from __future__ import annotations

import json
import sys
import textwrap

import numpy as np
import pytest

from prooftools.cli import main
from prooftools.engines import registry as reg_mod

MODULES = {
    "h20plug_raises": "raise RuntimeError('the plug-in cannot find its CUDA library')\n",
    "h20plug_exits": "import sys\nsys.exit('plug-in gave up')\n",
    "h20plug_classes": textwrap.dedent("""
        from prooftools.engines.base import Engine
        from prooftools.engines.two_layer import TwoLayerEngine

        class CtorRaises(Engine):
            name = "ctor_raises"
            def __init__(self):
                raise ValueError("no licence file")
            def run(self, request):
                raise NotImplementedError

        class NoName(Engine):
            networks = ("nameless_net",)
            def run(self, request):
                raise NotImplementedError

        class Fine(Engine):
            name = "fine_plugin"
            networks = ("fine_net",)
            def run(self, request):
                raise NotImplementedError

        not_an_engine = object()
        """),
}
ENTRY_POINTS = """[prooftools.engines]
import_raises = h20plug_raises:Engine
import_exits = h20plug_exits:Engine
ctor_raises = h20plug_classes:CtorRaises
no_name = h20plug_classes:NoName
not_an_engine = h20plug_classes:not_an_engine
fine = h20plug_classes:Fine
"""
REASONS = {"import_raises": "RuntimeError: the plug-in cannot find its CUDA library",
           "import_exits": "SystemExit: plug-in gave up",
           "ctor_raises": "ValueError: no licence file",
           "no_name": "has no name",
           "not_an_engine": "not a prooftools Engine"}


@pytest.fixture
def fresh_registry(monkeypatch):
    """The engine registry as a fresh process would load it (restored afterwards)."""
    monkeypatch.setattr(reg_mod, "_ENGINES", {})
    monkeypatch.setattr(reg_mod, "_BROKEN", {}, raising=False)
    monkeypatch.setattr(reg_mod, "_LOADED", False)
    yield reg_mod
    for name in MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def plugins(tmp_path, monkeypatch, fresh_registry):
    for name, text in MODULES.items():
        (tmp_path / f"{name}.py").write_text(text)
    info = tmp_path / "fakeplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return fresh_registry


def test_broken_plugins_are_skipped_with_their_reasons(plugins):
    broken = plugins.broken_engines()
    assert sorted(broken) == sorted(REASONS)
    for name, why in REASONS.items():
        assert why in broken[name] and "\n" not in broken[name], broken[name]
    engines = plugins.registered_engines()
    assert {"two_layer_relu", "deep_relu", "fine_plugin"} <= set(engines)


def test_engines_lists_the_broken_plugins(plugins, capsys):
    assert main(["engines", "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    text = json.dumps(json.loads(cap.out))
    for name, why in REASONS.items():
        assert f"{name} (broken, skipped)" in text and why in text
    assert "fine_plugin" in text and "two_layer_relu" in text


def test_engines_text_listing_names_each_reason(plugins, capsys):
    assert main(["engines"]) == 0
    out = capsys.readouterr().out
    for name, why in REASONS.items():
        (line,) = [ln for ln in out.splitlines() if f"plug-in {name} is broken" in ln]
        assert why in line


def test_verify_of_a_built_in_statement_runs_normally(plugins, capsys):
    rc = main(["verify", "du2019.thm4.1", "--dataset", "sphere:n=8,d=12", "--width", "64",
               "--steps", "3", "--format", "json"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "Traceback" not in cap.err and "plug-in" not in cap.err
    assert json.loads(cap.out)["statement"] == "du2019.thm4.1"


def _bad_engine(result):
    from prooftools.engines.two_layer import TwoLayerEngine

    class Careless(TwoLayerEngine):
        name = "careless_plugin"

        def run(self, request):
            return result(request) if callable(result) else result

    return Careless


def _strings(request):
    from prooftools.engines.base import Measurements
    from prooftools.numerics.trajectory import Trajectory

    empty = Trajectory(config={"index": "k"}, index=np.array([0.0]), observables={})
    return Measurements(values={"n": "eight"}, trajectory=empty)


def _no_trajectory(request):
    from prooftools.engines.base import Measurements

    return Measurements(values={"n": 8.0}, trajectory={"loss": [1.0, 0.5]})


@pytest.mark.parametrize("result", [None, {"n": 8, "loss": [1.0]}, "done", _strings,
                                    _no_trajectory],
                         ids=["none", "dict", "string", "string_values", "dict_trajectory"])
def test_a_run_returning_wrong_types_is_one_line_naming_the_plugin(fresh_registry, capsys,
                                                                   result):
    fresh_registry._ensure_loaded()
    fresh_registry._ENGINES.pop("two_layer_relu")  # the careless engine serves du2019 now
    fresh_registry.register_engine(_bad_engine(result))
    rc = main(["verify", "du2019.thm4.1", "--dataset", "sphere:n=8,d=12", "--width", "16",
               "--steps", "2"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("prooftools: error: engine 'careless_plugin'") and "run returned" in err


def test_the_api_names_the_plugin_too(fresh_registry):
    from prooftools.checking.verify import verify
    from prooftools.engines.config import RunConfig
    from prooftools.errors import UserInputError
    from prooftools.theory import load_registry

    X = np.random.default_rng(0).standard_normal((6, 8))
    with pytest.raises(UserInputError, match=r"careless_plugin.*run returned None"):
        verify(load_registry(), "du2019.thm4.1", (X, np.ones(6)), RunConfig(width=8, steps=2),
               engine=_bad_engine(None)())
