"""What :func:`~prooftools.checking.verify.verify` returns: judged items and the proof graph.

``VerifyReport.to_dict()`` is the JSON of ``prooftools verify``; it never contains NaN or infinity
(they are written as null).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from prooftools.checking.verdict import Judgement, Verdict
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.trajectory import Trajectory

__all__ = ["CheckedItem", "Panel", "VerifyReport"]


@dataclass(frozen=True)
class Panel:
    """Both sides of one judged quantified item over the run, as the statement states them.

    Reports draw these (the theorem's own right-hand side is the reference line); nothing in
    ``reporting`` retypes a formula.
    """

    statement: str
    item: str
    title: str
    inequality: str
    verdict: str
    index_name: str
    x: np.ndarray
    lhs: np.ndarray
    rhs: np.ndarray
    inside: np.ndarray  # where the item's ``when`` clause holds (the statement claims only there)
    lhs_label: str
    rhs_label: str
    #: the two sides as sympy expressions, the relation, hidden constants set to 1, and the
    #: registry's LaTeX names of their symbols (for math labels)
    lhs_expr: object = None
    rhs_expr: object = None
    op: str = ""
    at_one: tuple[str, ...] = ()
    names: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CheckedItem:
    """One judged hypothesis or conclusion: the final judgement and the raw measured verdict."""

    judgement: Judgement
    measured: Verdict
    role: str  # "hypothesis" or "conclusion"

    def to_dict(self) -> dict:
        """The JSON row: statement, kind, inequality, verdict, margin, first_failure, and more."""
        j = self.judgement.to_dict()
        return {
            "statement": j["statement"],
            "kind": j["kind"],
            "item": j["item"],
            "inequality": j["inequality"],
            "verdict": j["verdict"],
            "margin": j["margin"],
            "first_failure": j["first_failure"],
            "measured": str(self.measured),
            "worst_index": j["worst_index"],
            "lhs": j["lhs"],
            "rhs": j["rhs"],
            "implied_constants": j["implied_constants"],
            "note": j["note"],
        }


_HTML_COLUMNS = ("statement", "kind", "item", "inequality", "verdict", "margin", "first_failure",
                 "implied_constants")


@dataclass
class VerifyReport:
    """Everything :func:`verify` found; ``to_dict()`` is the JSON of ``prooftools verify``."""

    statement: str
    config: dict
    data: dict[str, object]
    items: list[CheckedItem]
    graph: dict[str, str]
    failing_links: list[str]
    trajectory: Trajectory
    changes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    #: judged quantified items over the run, for the report's figures (not in the JSON)
    panels: list[Panel] = field(default_factory=list, repr=False)
    #: the registry the items were judged against, so reports can typeset each item's own
    #: sympy condition (not in the JSON)
    registry: object = field(default=None, repr=False, compare=False)
    #: the typed settings the run used (:class:`~prooftools.engines.base.RunSettings`; the
    #: JSON's ``config`` holds the same numbers)
    settings: object = field(default=None, repr=False, compare=False)
    #: each width hypothesis of the chain beside the width its proof implies
    #: (:class:`~prooftools.checking.widths.WidthLine`)
    widths: list = field(default_factory=list)

    @property
    def first_failing_link(self) -> str | None:
        """The first statement (topological order) that fails while nothing it rests on fails."""
        return self.failing_links[0] if self.failing_links else None

    def item(self, statement: str, name: str) -> CheckedItem:
        """The checked item ``name`` of ``statement``, e.g. ``("du2019.thm4.1", "linear_rate")``."""
        for it in self.items:
            if it.judgement.statement == statement and it.judgement.item == name:
                return it
        raise KeyError(f"{statement} has no checked item {name!r}")

    def verdict(self, statement: str, name: str) -> Verdict:
        """Shortcut for ``item(statement, name).judgement.verdict``."""
        return self.item(statement, name).judgement.verdict

    def records(self) -> list[dict]:
        """One dict per judged item (the JSON's ``verdicts`` rows)."""
        return [it.to_dict() for it in self.items]

    def to_pandas(self):
        """The judged items as a pandas DataFrame, one row per item (pandas is optional)."""
        from prooftools.frames import data_frame

        return data_frame(self.records())

    def _repr_html_(self) -> str:  # Jupyter
        from prooftools.frames import html_table

        return html_table(self.records(), _HTML_COLUMNS, caption=f"verify {self.statement}")

    def to_dict(self) -> dict:
        """JSON-friendly dict: statement, config, data, verdicts, graph, trajectory."""
        tr = self.trajectory
        name = tr.config.get("index", "k")
        steps = _steps if name == "k" else _floats  # iterations k are integers, times t are not
        traj = {"index_name": name, "index": steps(tr.index)}
        traj.update({k: _floats(v) for k, v in tr.observables.items()})
        if tr.dense_index is not None:
            traj["dense"] = {"index": steps(tr.dense_index),
                             **{k: _floats(v) for k, v in tr.dense.items()}}
        verdicts = [it.to_dict() for it in self.items]
        if name == "k":
            for row in verdicts:
                for key in ("worst_index", "first_failure"):
                    row[key] = _step(row[key])
        return {
            "statement": self.statement,
            "config": self.config,
            "changes": list(self.changes),
            "lines": list(self.lines),
            "data": {k: _data_json(v) for k, v in self.data.items()},
            "verdicts": verdicts,
            "graph": dict(self.graph),
            "first_failing_link": self.first_failing_link,
            "failing_links": list(self.failing_links),
            "trajectory": traj,
            "widths": [w.to_dict() for w in self.widths],
        }


def _floats(a) -> list:
    return [None if not math.isfinite(float(v)) else float(v) for v in np.asarray(a).ravel()]


def _step(v: float | None) -> int | float | None:
    """An iteration index as the integer it is (``20``, not ``20.0``).

    >>> _step(20.0), _step(None), _step(2.5)
    (20, None, 2.5)
    """
    if v is None or not math.isfinite(v):
        return None
    return int(v) if float(v).is_integer() else float(v)


def _steps(a) -> list:
    return [_step(float(v)) for v in np.asarray(a).ravel()]


def _data_json(v):
    if isinstance(v, Quantity):
        return v.to_dict()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
