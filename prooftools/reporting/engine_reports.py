"""The registered numeric engines as a table: which ``network`` tags, papers, algorithms, step
policies and options each serves (``prooftools engines``; docs/theorem-format.md shows it, so the
list of allowed tags cannot drift from the engines)."""

from __future__ import annotations

from prooftools.reporting.tables import Table


def engine_table() -> Table:
    """One row per registered engine (built-ins and the ``prooftools.engines`` entry points).

    >>> t = engine_table()
    >>> t.columns[:3], "two_layer_relu" in [r[0] for r in t.rows]
    (['engine', 'network tags', 'papers (any network tag)'], True)
    """
    from prooftools.engines.registry import broken_engines, registered_engines

    t = Table(columns=["engine", "network tags", "papers (any network tag)", "algorithms",
                       "step policies", "options"],
              caption="Numeric engines (verify, sweep): the statement tags each one runs")
    for name, eng in sorted(registered_engines().items()):
        papers = ", ".join(eng.papers) + ("; untagged statements of other papers"
                                          if eng.default else "")
        t.rows.append([name, ", ".join(eng.networks), papers, ", ".join(eng.algorithms),
                       ", ".join(eng.step_policies), ", ".join(o.name for o in eng.options)])
    t.notes.append("a statement runs on the engine whose network tags contain its `network` tag, "
                   "else on the engine that lists its paper")
    for name, why in sorted(broken_engines().items()):  # skipped: the others are unaffected
        t.rows.append([f"{name} (broken, skipped)", "", "", "", "", ""])
        t.notes.append(f"plug-in {name} is broken and was skipped: {why}")
    return t
