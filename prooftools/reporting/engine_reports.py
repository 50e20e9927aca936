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


def observable_table() -> Table:
    """One row per observable each registered engine records, as its engine declares it
    (``prooftools engines --observables``): cost class, summary direction and shape.

    >>> t = observable_table()
    >>> ["two_layer_relu", "ntk_min", "expensive", "min", "series"] in t.rows
    True
    """
    from prooftools.engines.registry import registered_engines

    t = Table(columns=["engine", "observable", "cost", "summary", "shape"],
              caption="Observables each engine records, as it declares them")
    for name, eng in sorted(registered_engines().items()):
        for obs in eng.declared_observables().values():
            t.rows.append([name, obs.name, obs.cost, obs.summary, obs.shape])
    t.notes.append("cost: cheap = every recorded step, expensive = every expensive stride (NaN "
                   "between); summary: a run's maximum or minimum (sweeps); shape: series per "
                   "index, scalar per run, or function of a parameter")
    return t
