"""Engines: one module per network family behind one protocol, found through a registry.

``RunConfig`` (:mod:`.config`) is the frozen run configuration every engine reads; the protocol is
in :mod:`.base` and the registry (built-ins plus the ``prooftools.engines`` entry-point group) in
:mod:`.registry`.
"""

from prooftools.engines.config import RunConfig

__all__ = ["RunConfig"]
