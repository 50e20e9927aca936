"""Theory: theorem files, safe expressions, the registry, bounds and the proof graph."""

from prooftools.theory.registry import Registry, load_registry

__all__ = ["Registry", "load_registry"]
