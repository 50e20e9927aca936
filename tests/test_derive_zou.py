"""Zou et al.'s Theorems 4.1 (GD) and 4.5 (SGD), every loss-class branch, re-derived from their
lemmas by the derivations in theorems/zou2018.toml.

Three kinds of check, each able to fail:

* the verdicts: the derived orders reproduce the widths §5.1/§5.2 print where the algebra gives
  them, and differ (with the verdict saying how) where it does not;
* an independent evaluation of the lemma chain: at random points the smallest width with
  Kη(m) ≤ T(m) is found by bisection in log m with mpmath, evaluating the lemmas' own bound
  expressions, and compared with the derived (Lambert W) width;
* a mutation: a copy of the theorem file under another paper key with one lemma exponent changed
  must make ``derive`` report the disagreement.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import mpmath
import pytest
import sympy

from prooftools.theory import load_registry
from prooftools.theory.derivation import derive

BRANCHES = ["ainf_plt", "ainf_peq", "ainf_pgt", "afin_plt", "afin_peq", "afin_pgt"]
P_RANGE = {"plt": (0.05, 0.45), "peq": (0.5, 0.5), "pgt": (0.55, 1.0)}


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def derivations(reg):
    return {f"{g}.{b}": derive(reg, f"zou2018.thm{g}.{b}") for g in ("4.1", "4.5")
            for b in BRANCHES}


# ----------------------------------------------------------------------------- verdicts

#: What the derivation must find. GD: every printed width follows (afin_pgt's printed display,
#: m_printed, swaps the ε-term and is larger jointly in n and 1/ε); the printed step size of
#: Theorem 4.1 lacks the lemmas' factor φ. SGD: Lemma 5.7's T carries the batch B for α0 = ∞,
#: which the proof of Theorem 4.5 drops, so the printed α0 = ∞ widths are larger by B² and the
#: iteration window T/η smaller by B; for α0 < ∞ the printed T = O(n^-9 L^-19 m^-1/2 φ³) drops
#: the (log M)^{-3/2} of τ = Õ(·); the α0 = ∞, p = ½ display prints log(1/ε) where the algebra
#: gives log²(1/ε).
EXPECTED = {
    **{f"4.1.{b}": {"width": "agrees", "K_closed_form": "agrees", "K_min": "agrees",
                    "K_max": "agrees", "eta": "agrees", "eta_printed": "stated tighter"}
       for b in BRANCHES},
    **{f"4.5.{b}": {"width": "stated looser" if b.startswith("ainf") else "agrees",
                    "K_closed_form": "agrees", "K_min": "agrees",
                    "K_max": "stated looser" if b.startswith("ainf") else "stated tighter"}
       for b in BRANCHES},
}
EXPECTED["4.1.afin_pgt"]["m_printed"] = "stated looser"
EXPECTED["4.5.ainf_peq"]["m_printed"] = "stated tighter"


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_verdicts_reproduce_the_printed_orders(derivations, key):
    got = derivations[key].verdicts
    for name, verdict in EXPECTED[key].items():
        assert got[name] == verdict, (key, name, got[name], _why(derivations[key], name))


def _why(d, name):
    s = next(s for s in d.stated if s.bound.name == name)
    return s.reason, s.factor


def test_factors_name_the_difference(derivations):
    b, phi = sympy.Symbol("b"), sympy.Symbol("1/phi")
    assert _why(derivations["4.1.ainf_plt"], "eta_printed")[1] == phi
    for br in ("ainf_plt", "ainf_pgt"):
        assert _why(derivations[f"4.5.{br}"], "width")[1] == b**2
    p = sympy.Symbol("zou_p", nonnegative=True)
    f = _why(derivations["4.1.afin_pgt"], "m_printed")[1]
    assert f == sympy.Symbol("(1/eps·n)") ** (2 * p - 1)
    assert _why(derivations["4.5.ainf_peq"], "m_printed")[1] == sympy.log(sympy.Symbol("1/eps"))
    assert _why(derivations["4.5.ainf_plt"], "K_max")[1] == b


# ----------------------------------------------------------------------------- independent chain


def _point(rng: random.Random, reg, branch: str, sgd: bool) -> dict:
    lo, hi = P_RANGE[branch.split("_")[1]]
    vals = {"n": rng.randint(20, 2000), "L": rng.randint(2, 30), "phi": rng.uniform(0.01, 0.3),
            "eps": rng.uniform(1e-4, 0.1), "delta": rng.uniform(0.01, 0.2),
            "zou_p": rng.uniform(lo, hi), "b": rng.randint(1, 16), "zou_alpha0_inv": 0}
    for name, s in reg.symbols.items():
        if s.role == "constant" and name.startswith(("C_zou", "a_zou")):
            vals[name] = rng.uniform(0.5, 2.0)
    return vals


def _sub(expr, reg, vals):
    return expr.xreplace({reg.symbol(k): sympy.Float(v, 40) if isinstance(v, float)
                          else sympy.Integer(v) for k, v in vals.items()
                          if reg.symbol(k) in expr.free_symbols})


def _chain(reg, g: str, branch: str):
    """log(Kη(m)/T(m)) from the lemma statements' own expressions (no derivation code)."""
    sgd = g == "4.5"
    lem = reg.get(f"zou2018.lemma5.{'6' if sgd else '4'}.{branch}")
    traj = reg.get(f"zou2018.lemma5.{'7.' + branch.split('_')[0] if sgd else '5'}")
    eta, m, tau, big_m = (reg.symbol(s) for s in ("eta", "m", "zou_tau", "zou_M"))
    n, L, delta = (reg.symbol(s) for s in ("n", "L", "delta"))
    keta = lem.bound("K_min").expr * eta
    t = (traj.bound("K_max").expr * eta).xreplace({tau: lem.bound("tau").expr})
    ratio = sympy.simplify(keta / t).xreplace({big_m: n * L * m / delta})
    return ratio, m


@pytest.mark.parametrize("g", ["4.1", "4.5"])
@pytest.mark.parametrize("branch", BRANCHES)
def test_derived_width_matches_bisection_of_the_lemma_chain(reg, derivations, g, branch):
    rng = random.Random(hash((g, branch)) & 0xFFFF)
    ratio, m = _chain(reg, g, branch)
    derived = derivations[f"{g}.{branch}"].derived["width"]
    for _ in range(3):
        vals = _point(rng, reg, branch, g == "4.5")
        f = sympy.lambdify(m, sympy.log(_sub(ratio, reg, vals)), "mpmath")
        mpmath.mp.dps = 40
        # the requirement Kη ≤ T holds for m above the largest root of log(Kη/T) = 0
        hi = mpmath.mpf(10) ** 300
        assert f(hi) < 0
        lo = hi
        while f(lo) < 0:
            lo /= 2
            assert lo > 1e-30, "no root"
        root = mpmath.findroot(f, (lo, lo * 2), solver="bisect", tol=mpmath.mpf(10) ** -30)
        want = sympy.N(_sub(derived, reg, vals), 30)
        assert want.is_real and want > 0
        assert float(abs(want - sympy.Float(root, 30)) / want) < 1e-8, (vals, root, want)


# ----------------------------------------------------------------------------- mutation


def _mutant(tmp_path: Path, old: str, new: str) -> Path:
    src = Path(__file__).resolve().parent.parent / "theorems" / "zou2018.toml"
    text = src.read_text(encoding="utf-8")
    # the copy declares no symbols (they are global and already declared by the shipped file)
    text = re.sub(r"(?ms)^\[symbols\.[A-Za-z0-9_]+\]\n.*?(?=^\[)", "", text)
    text = text.replace('key = "zou2018"', 'key = "zoumut"', 1)
    assert text.count(old) >= 1
    text = text.replace(old, new, 1)
    d = tmp_path / "mine"
    d.mkdir()
    (d / "zoumut.toml").write_text(text, encoding="utf-8")
    return d


def test_mutated_lemma_exponent_is_reported(tmp_path):
    # Lemma 5.4 (α0 = ∞, p < 1/2): Kη ∝ n^{5−2p} changed to n^{6−2p}
    old = 'expr = "(C_zou_gd_Keta*n**(5 - 2*zou_p))*log(n*L*m/delta)**a_zou_gd_Keta/(m*phi)/eta"'
    new = old.replace("n**(5 - 2*zou_p)", "n**(6 - 2*zou_p)")
    reg = load_registry(extra_dirs=[_mutant(tmp_path, old, new)])
    d = derive(reg, "zoumut.thm4.1.ainf_plt")
    assert d.verdicts["width"] == "stated tighter"
    assert _why(d, "width")[1] == sympy.Symbol("n")
    # the shipped file, loaded beside it, still agrees
    assert derive(reg, "zou2018.thm4.1.ainf_plt").verdicts["width"] == "agrees"


def test_mutated_trajectory_exponent_is_reported(tmp_path):
    # Lemma 5.7 (α0 < ∞): T ∝ m^-1/2 changed to m^-1/4 — the width becomes (n^14 …)^(4/3)
    old = 'expr = "C_zou_57_T*zou_tau/(L**2*sqrt(m)*eta)"'
    new = 'expr = "C_zou_57_T*zou_tau/(L**2*m**(1/4)*eta)"'
    reg = load_registry(extra_dirs=[_mutant(tmp_path, old, new)])
    d = derive(reg, "zoumut.thm4.5.afin_plt")
    assert d.verdicts["width"] == "stated looser"
    assert _why(d, "width")[1].has(sympy.Symbol("n"))


def test_umbrella_theorems_branch_on_the_loss_class(reg):
    p = sympy.Symbol("zou_p", nonnegative=True)
    want = {"4.1": [26 - 2 * p, 25, 26 - 2 * p, 26, 26, 26],
            "4.5": [30 - 4 * p, 28, 30 - 4 * p, 28, 28, 28]}
    for g, powers in want.items():
        d = derive(reg, f"zou2018.thm{g}")
        (width,) = [s for s in d.stated if s.bound.name == "width"]
        assert len(width.cases) == 6
        got = [c.derived_orders["n"].power for c in width.cases]
        assert [sympy.simplify(a - b) for a, b in zip(got, powers, strict=True)] == [0] * 6
        # the umbrella states poly(n, 1/φ, L) of unknown degree: no order to compare with
        assert width.verdict == "not derivable"


@pytest.mark.parametrize("branch", BRANCHES)
def test_steps_lemma_5_6_needs_carry_L8(reg, branch):
    """The proof of Lemma 5.6 needs kη − √(k log(1/δ)) c1 n^{6−2p} L⁴ η/(c0 B φ) ≥ c2 kη, so
    k ≳ n^{12−4p} L⁸ log(1/δ)/(B²φ²); the lemma prints Ω̃(n^{12−4p} B^-2 φ^-2) without L⁸."""
    d = derive(reg, f"zou2018.lemma5.6.{branch}")
    assert d.verdicts["k_needed"] == "stated tighter"
    assert _why(d, "k_needed")[1] == sympy.Symbol("L") ** 8
    # the derived k solves concentration(k) = (1 − c2) k η, evaluated from eqD.10 itself
    dev = reg.get("zou2018.eqD.10").bound("deviation").expr
    k = reg.symbol("k")
    rng = random.Random(7)
    vals = _point(rng, reg, branch, True)
    vals.update(eta=rng.uniform(1e-6, 1e-3), C_zou_D10=1.3, C_zou_c2=0.25)
    k_star = sympy.N(_sub(d.derived["k_needed"], reg, vals), 30)
    lhs = _sub(dev, reg, vals).xreplace({k: k_star})
    rhs = (1 - sympy.Float(0.25)) * k_star * sympy.Float(vals["eta"])
    assert abs(float(sympy.N(lhs / rhs, 30)) - 1) < 1e-12
