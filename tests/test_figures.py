"""Figures read at a glance: every legend, title and caption lies inside the figure, no panel is
empty, a long formula does not squeeze the panels, a bound claimed at one index shows, a curve
far under its bound is drawn on a log axis, and a sweep's x axis names its grid values.

The verify figures are drawn from panels built on the registry's own conditions (Allen-Zhu's
semi-smoothness bound is the longest formula of the registry), with synthetic series, so no
training runs here; the bounding boxes are matplotlib's renderer extents.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import sympy
from sympy.core.function import AppliedUndef

from prooftools.checking.report import Panel
from prooftools.checking.verdict import sides
from prooftools.reporting.figure_text import wrap_words
from prooftools.reporting.figures import pyplot
from prooftools.reporting.latex import formula
from prooftools.reporting.verify_figure import draw_report
from prooftools.theory import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _panel(reg, sid: str, item: str, lhs, rhs, inside=None) -> Panel:
    """A panel of the registry's condition ``sid:item`` with the given series."""
    st = reg.get(sid)
    cond = next(c for c in (*reg.hypotheses_of(st), *st.conclusions) if c.name == item)
    rel = cond.expr.args[0] if isinstance(cond.expr, sympy.And) else cond.expr
    small, large, op = sides(rel)
    used = {s.name for s in rel.free_symbols} | {f.func.__name__ for f in rel.atoms(AppliedUndef)}
    names = {u: reg.symbols[u].latex for u in used if u in reg.symbols and reg.symbols[u].latex}
    params = {u: tuple(reg.symbols[u].args) for u in used
              if u in reg.symbols and reg.symbols[u].args}
    hidden = tuple(sorted(s.name for s in rel.free_symbols if s.name.startswith("C_")))
    lhs, rhs = np.asarray(lhs, float), np.asarray(rhs, float)
    return Panel(statement=sid, item=item, title=f"{sid} {item}: {st.title}",
                 inequality=cond.text, verdict="holds", index_name="k", x=np.arange(lhs.size),
                 lhs=lhs, rhs=rhs, inside=np.ones(lhs.size, bool) if inside is None else inside,
                 lhs_label=str(small), rhs_label=f"theorem's bound ({op} {large})",
                 lhs_expr=small, rhs_expr=large, op=op, at_one=hidden, names=names,
                 params=params)


def _report(panels, statement="s"):
    return SimpleNamespace(panels=panels, statement=statement, first_failing_link=None,
                           config={"dataset": "sphere:n=8,d=4", "n": 8, "width": 64, "seed": 0},
                           trajectory=SimpleNamespace(config={}))


def _inside_figure(fig) -> list[str]:
    """Every legend, title, axis label and text drawn outside the figure's box."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    artists = [*fig.legends, *fig.texts]
    for ax in fig.axes:
        if ax.get_visible():
            artists += [a for a in (ax.get_legend(), ax.title, ax.xaxis.label, ax.yaxis.label,
                                    *ax.texts)
                        if a is not None and (not hasattr(a, "get_text") or a.get_text())]
    bad = []
    for a in artists:
        e = a.get_window_extent(renderer)
        if e.x0 < box.x0 - 1 or e.x1 > box.x1 + 1 or e.y0 < box.y0 - 1 or e.y1 > box.y1 + 1:
            bad.append(f"{type(a).__name__} {getattr(a, 'get_text', lambda: '')()!r}: {e}")
    return bad


def _overlapping_panels(fig) -> list[tuple[int, int]]:
    boxes = [ax.get_position() for ax in fig.axes if ax.get_visible()]
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].overlaps(boxes[j])]


def test_allen_zhu_six_panels_keep_their_legends_titles_and_formulas_inside(reg):
    k = np.arange(6, dtype=float)
    items = [("allenzhu2019.thm1", "linear_rate"), ("allenzhu2019.lemma5.2", "forward"),
             ("allenzhu2019.lemma5.2", "sign_changes"), ("allenzhu2019.thm3", "gradient_upper"),
             ("allenzhu2019.thm3", "gradient_lower"), ("allenzhu2019.thm4", "semi_smooth")]
    panels = [_panel(reg, sid, item, 1.0 + k, 50.0 + k) for sid, item in items]
    fig = draw_report(_report(panels, "allenzhu2019.thm1"))
    try:
        assert _inside_figure(fig) == []
        assert _overlapping_panels(fig) == []
        drawn = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "caption"]
        assert len(drawn) == 6 and all(ax.get_lines() for ax in drawn)  # no empty panel
        # the long semi-smoothness formula is in the caption, not in a legend
        legends = " ".join(t.get_text() for ax in drawn for t in ax.get_legend().get_texts())
        assert "az_step" not in legends and "W_" not in legends
        caption = next(ax for ax in fig.axes if ax.get_label() == "caption")
        assert len(caption.texts) == 6 and r"\sqrt" in caption.texts[5].get_text()
        # the panels keep their size: as wide as without the formula
        widths = {round(ax.get_position().width, 3) for ax in drawn}
        assert len(widths) == 1 and widths.pop() > 0.25
    finally:
        pyplot().close(fig)


def test_a_short_last_row_is_centred_not_left_empty(reg):
    k = np.arange(8, dtype=float)
    panels = [_panel(reg, "du2019.thm4.1", "linear_rate", 2.0 ** -k, 3.0 - 0.1 * k)] * 5
    fig = draw_report(_report(panels))
    try:
        drawn = [ax for ax in fig.axes if ax.get_label() != "caption"]
        assert len(drawn) == 5 and all(ax.get_visible() and ax.get_lines() for ax in drawn)
        top, bottom = drawn[:3], drawn[3:]
        centre = (top[0].get_position().x0 + top[2].get_position().x1) / 2
        mid = (bottom[0].get_position().x0 + bottom[1].get_position().x1) / 2
        assert abs(mid - centre) < 0.01
        assert _inside_figure(fig) == [] and _overlapping_panels(fig) == []
    finally:
        pyplot().close(fig)


def test_a_bound_claimed_at_k_0_only_is_drawn_with_a_marker_and_a_note(reg):
    n = 21
    inside = np.zeros(n, bool)
    inside[0] = True
    lhs = np.linspace(0.0, 0.03, n)
    panel = _panel(reg, "du2019.lemma3.2", "gram_deviation", lhs, np.full(n, 0.057), inside)
    fig = draw_report(_report([panel]))
    try:
        ax = fig.axes[0]
        bound = [ln for ln in ax.get_lines() if "theorem's bound" in ln.get_label()]
        assert len(bound) == 1
        assert bound[0].get_marker() == "v" and list(bound[0].get_xdata()) == [0.0]
        assert "claimed at k = 0 only" in bound[0].get_label()
        assert _inside_figure(fig) == []
    finally:
        pyplot().close(fig)


def test_a_curve_far_under_its_bound_gets_a_log_axis(reg):
    k = np.arange(21, dtype=float)
    movement = 0.3 * (1 - np.exp(-k / 5))  # starts at 0: left out of the log axis
    panel = _panel(reg, "du2019.cor4.1", "movement", movement, np.full(21, 200.0))
    fig = draw_report(_report([panel]))
    try:
        assert fig.axes[0].get_yscale() == "log"
    finally:
        pyplot().close(fig)
    near = _panel(reg, "du2019.cor4.1", "movement", 1.0 + 0.01 * k, np.full(21, 2.0))
    fig = draw_report(_report([near]))
    try:
        assert fig.axes[0].get_yscale() == "linear"  # no decades to show: stays linear
    finally:
        pyplot().close(fig)


def test_a_rate_prints_as_the_paper_writes_it():
    eta, lam, k, r0 = sympy.symbols("eta lambda0 k r0", positive=True)
    tex = formula((1 - eta * lam / 2) ** k * r0, {"eta": r"\eta", "lambda0": r"\lambda_0"})
    assert r"(1 - \eta" in tex and r"+ 1" not in tex
    f, loss = sympy.symbols("f L")
    assert formula(loss - f, {}) == "L - f"  # the positive term leads
    assert formula(-loss - f, {}).startswith("- ")  # nothing positive to lead with


@pytest.mark.parametrize("title", [
    "Gradient descent under the strengthened criterion 4 f(x0) < (1 − βη/2)² r² α",
    "Global minimizers of the linear network: W_ℓ⋯W_1 = P* = Y Xᵀ(X Xᵀ)^{-1}",
])
@pytest.mark.parametrize("width", [20, 30, 48])
def test_titles_break_between_words_only(title, width):
    formulas = ["4 f(x0) < (1 − βη/2)² r² α", "W_ℓ⋯W_1 = P* = Y Xᵀ(X Xᵀ)^{-1}"]
    text = wrap_words(title, width)
    assert any(f in text.splitlines() or any(ln.endswith(f) for ln in text.splitlines())
               for f in formulas), text


def test_the_check_finds_a_legend_outside_the_figure():
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], label="x" * 200)
    ax.legend()
    try:
        assert _inside_figure(fig)
    finally:
        plt.close(fig)


def test_sweep_figure_names_its_grid_values_and_draws_the_theorem_at_its_values(
        tmp_path, capsys, monkeypatch):
    """Du's Lemma 3.1 at n = 8, 16 (one seed, coarse): tick labels are the grid's values, and the
    dotted theorem width is drawn at the values the JSON reports, not shifted to the first
    point."""
    import json

    from prooftools.cli import main
    from prooftools.reporting import sweep_plots

    figures = []

    def keep(fig, *args, **kwargs):
        fig.canvas.draw()
        figures.append(fig)
        return []

    monkeypatch.setattr(sweep_plots, "save_figure", keep)
    assert main(["sweep", "du2019.lemma3.1", "--target", "du2019.lemma3.1.init_deviation",
                 "--n", "8", "16", "--seeds", "1", "--m-range", "8", "1024", "--resolution",
                 "0.5", "--scheduler", "synchronous", "--no-progress", "--store",
                 str(tmp_path / "s"), "--format", "json", "--figures", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    (fig,) = figures
    try:
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["8", "16"]
        assert ax.xaxis.get_minorticklabels() == []
        widths = [10 ** t["theorem_log10"] for t in out["thresholds"]]
        (dotted,) = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
        np.testing.assert_allclose(dotted.get_ydata(), widths, rtol=1e-9)
        assert widths[0] > 4 * out["thresholds"][0]["m_star"]  # not through the first point
        assert _inside_figure(fig) == []
    finally:
        pyplot().close(fig)


def test_a_real_du_run_draws_every_panel_inside_the_figure(reg):
    """Du et al. Theorem 4.1 on a small sphere: six panels, all drawn, legends and caption inside
    the figure; the Gram panels' bound, claimed at k = 0 only, shows as a marker; the movement
    panel, far under its bound, is on a log axis."""
    from prooftools.api import verify
    from prooftools.numerics.data.datasets import load_dataset

    ds = load_dataset("sphere:n=12,d=30")
    rep = verify(reg, "du2019.thm4.1", ds.X, ds.y, width=1024, steps=60, seed=1, progress=False)
    fig = draw_report(rep)
    try:
        assert _inside_figure(fig) == [] and _overlapping_panels(fig) == []
        panels = {ax.get_title().split("\n")[0].split(" ")[2]: ax for ax in fig.axes
                  if ax.get_label() != "caption"}
        assert len(panels) == 6 and all(ax.get_lines() for ax in panels.values())
        for item in ("gram_deviation", "gram_eigenvalue"):
            (bound,) = [ln for ln in panels[item].get_lines()
                        if "theorem's bound" in ln.get_label()]
            assert bound.get_marker() in ("v", "^") and "k = 0 only" in bound.get_label()
        assert panels["movement"].get_yscale() == "log"
    finally:
        pyplot().close(fig)
