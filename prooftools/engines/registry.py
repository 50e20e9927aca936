"""The registry of engines: built-ins, third-party entry points, and public registration.

The package registers its four families on first use; third parties register theirs either by
calling :func:`register_engine` or through the ``prooftools.engines`` entry-point group, whose
entries name an :class:`~prooftools.engines.base.Engine` subclass (or instance)::

    [project.entry-points."prooftools.engines"]
    my_family = "my_package.engine:MyEngine"

A plug-in that cannot be used (its import raises or exits, its constructor raises, it is not an
Engine or has no ``name``) is skipped and recorded with a one-line reason
(:func:`broken_engines`, listed by ``prooftools engines``); the built-in engines are unaffected.

>>> from prooftools.theory import load_registry
>>> engine_for(load_registry().get("zou2018.thm4.1")).name
'deep_relu'
"""

from __future__ import annotations

import importlib.metadata
import threading

from prooftools.engines.base import Engine
from prooftools.errors import UserInputError

__all__ = ["broken_engines", "engine_for", "get_engine", "register_engine", "registered_engines",
           "unregister_engine"]

ENTRY_POINT_GROUP = "prooftools.engines"

_ENGINES: dict[str, Engine] = {}
_BROKEN: dict[str, str] = {}  # entry-point name → why it was skipped
_LOADED = False
_LOCK = threading.RLock()


def register_engine(engine: Engine | type[Engine], *, replace: bool = False) -> Engine:
    """Add an engine (class or instance); a second engine of the same name is an error unless
    ``replace``. Returns the registered instance."""
    inst = engine() if isinstance(engine, type) else engine
    if not isinstance(inst, Engine):
        raise TypeError(f"{engine!r} is not a prooftools Engine")
    with _LOCK:
        _ensure_loaded()
        if inst.name in _ENGINES and not replace:
            raise ValueError(f"an engine named {inst.name!r} is already registered")
        _ENGINES[inst.name] = inst
    return inst


def unregister_engine(name: str) -> None:
    """Remove a registered engine (tests, plug-in reloads)."""
    with _LOCK:
        _ENGINES.pop(name, None)


def registered_engines() -> dict[str, Engine]:
    """Every registered engine by name (built-ins, then entry points, then explicit ones)."""
    with _LOCK:
        _ensure_loaded()
        return dict(_ENGINES)


def broken_engines() -> dict[str, str]:
    """Plug-ins that were skipped, by entry-point name, each with its one-line reason."""
    with _LOCK:
        _ensure_loaded()
        return dict(_BROKEN)


def get_engine(name: str) -> Engine:
    """The engine registered under ``name``."""
    engines = registered_engines()
    if name not in engines:
        raise UserInputError(f"no engine named {name!r}; registered: {', '.join(sorted(engines))}")
    return engines[name]


def engine_for(statement) -> Engine:
    """The engine that runs ``statement``: by its ``network`` tag, else its paper, else the
    default engine for untagged statements of papers no engine names."""
    engines = list(registered_engines().values())
    net = statement.tags.get("network")
    for eng in engines:
        if net and net in eng.networks:
            return eng
    for eng in engines:
        if statement.paper in eng.papers:
            return eng
    if not net:
        for eng in engines:
            if eng.default:
                return eng
    known = sorted({t for e in engines for t in e.networks})
    raise UserInputError(f"{statement.id}: no numeric engine for network {net!r}; the engines "
                         f"run {', '.join(known)}")


def _ensure_loaded() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from prooftools.engines.deep_relu import DeepReLUEngine
    from prooftools.engines.linear import LinearEngine
    from prooftools.engines.smooth import SmoothEngine
    from prooftools.engines.two_layer import TwoLayerEngine

    for cls in (TwoLayerEngine, DeepReLUEngine, LinearEngine, SmoothEngine):
        inst = cls()
        _ENGINES[inst.name] = inst
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            inst = _load_plugin(ep)
        except _Broken as why:  # a broken plug-in must not break the built-in engines
            _BROKEN[ep.name] = f"{ep.value}: {why}"
            continue
        _ENGINES.setdefault(inst.name, inst)


class _Broken(Exception):
    """Why a plug-in cannot be used (one line)."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _load_plugin(ep) -> Engine:
    """The engine an entry point names, or :class:`_Broken` with the reason."""
    try:
        obj = ep.load()
    except (Exception, SystemExit) as e:
        raise _Broken(f"import failed ({_one_line(e)})") from None
    try:
        inst = obj() if isinstance(obj, type) else obj
    except (Exception, SystemExit) as e:
        raise _Broken(f"constructor failed ({_one_line(e)})") from None
    if not isinstance(inst, Engine):
        raise _Broken(f"not a prooftools Engine ({type(inst).__name__})")
    try:
        name = inst.name
    except Exception:  # an unset ClassVar, or a property that raises
        name = None
    if not isinstance(name, str) or not name.strip():
        raise _Broken("has no name (set the class attribute `name`)")
    if name in _ENGINES:
        raise _Broken(f"its name {name!r} is taken by another engine")
    return inst
