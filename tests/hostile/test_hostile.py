"""The hostile corpus of issue 13: formulas, --set values, TOML bombs, special files, bad and
oversized datasets, out-of-domain values, full disks and interrupted writes.

Every case runs the real CLI in its own process with a memory limit (RLIMIT_AS) and a time limit
(see runner.py) and must end with: exit status 0 or 2 (130 for an interrupt), at most one line
on stderr, no traceback, valid JSON where JSON was asked for, and every previous output file
intact. The cases run two at a time from one warm runner, so the corpus costs about a minute.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

HEADER = """format = 1
[paper]
key = "{key}"
title = "{title}"
authors = {authors}
year = 2024
"""
STATEMENT = """
[[statements]]
id = "{sid}"
kind = "theorem"
title = "{title}"
source = "test"
provenance = "derived"
{extra}
[[statements.bounds]]
name = "b"
kind = "width"
{rel}expr = "{expr}"
"""

FORMULAS = [  # (name, expr, n): each must give a value, a magnitude or a reason, promptly
    ("tower", "n**n**n", "1000"),
    ("exp_exp", "exp(exp(n))", "1000"),
    ("floor_exp", "floor(exp(n))", "1000"),
    ("exp_huge_literal", "exp(n*10**3999)", "1"),
    ("ceiling_exp_exp", "ceiling(exp(exp(n)))", "10"),
    ("sin_exp", "sin(exp(n))", "10000"),
    ("acos_out_of_range", "acos(n)", "5"),
    ("log_log_log", "log(log(log(n)))", "1"),
    ("min_of_giants", "Min(n**n, exp(n))", "1000000"),
    ("negative_base", "(-n)**(n/3)", "7"),
    ("pole", "1/(n-1)", "1"),
    ("exp_minus_exp", "exp(-exp(n))", "1000"),
    ("inverse_tower", "n**(-n**n)", "100"),
    ("floor_tower", "floor(n**n**n)", "10"),
    ("cos_huge", "cos(10**3999*n)", "1"),
    ("self_power_huge_n", "n**n", "1e100000"),
    ("exp_huge_n", "exp(n)", "1e100000"),
    ("log_power_tower", "log(n)**n**2", "1e50"),
    ("triple_exp", "Max(exp(exp(exp(n))), n)", "100"),
    ("sqrt_negative", "sqrt(n - 10**4000)", "1"),
    ("cancellation", "(n + 1)**2 - n**2 - 2*n", "1e40"),
]
IMPLICIT = [("exp_m", "exp(x_)"), ("ten_to_m", "10**x_"), ("m_plus_1", "x_ + 1"),
            ("two_m", "2*x_"), ("square_plus_1", "x_**2 + 1"), ("log_fixed_point",
                                                               "100*log(x_) + 100")]
REFUSED = [  # refused when the file is loaded: one line, exit 2
    ("power_too_large", "n**10**5"),
    ("exp_arg_too_large", "exp(10**5)"),
    ("import_call", "__import__('os')"),
    ("attribute", "n.__class__"),
    ("lambda", "(lambda: 1)()"),
    ("string_repeat", "'a'*10**9"),
    ("huge_literal", "9" * 4100),
    ("deep_parens", "(" * 300 + "n" + ")" * 300),
    ("placeholder_name", "_x + n"),
    ("escape_in_formula", "n\\u001b[31m"),
]


def _theorem_file(folder: Path, key: str, statements: list[dict], *, title="hostile",
                  authors='["A. Tester"]') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = HEADER.format(key=key, title=title, authors=authors)
    if any(s.get("symbol") for s in statements) or key == "hx":
        text += '\n[symbols.x_]\nrole = "parameter"\ndomain = "positive"\n'
    for s in statements:
        rel = 'symbol = "x_"\nrelation = ">="\n' if s.get("symbol") else ""
        text += STATEMENT.format(sid=s["sid"], title=s.get("title", "t"), extra=s.get("extra", ""),
                                 rel=rel, expr=s["expr"])
    path = folder / f"{key}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bomb_npz(path: Path) -> None:
    """A small .npz whose X member declares 20 GB (and holds 64 MB of zeros)."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f8", "fortran_order": False, "shape": (50_000, 50_000)})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("X.npy", "w", force_zip64=True) as fh:
            fh.write(head.getvalue())
            zeros = b"\0" * (1 << 22)
            for _ in range(16):
                fh.write(zeros)
        buf = io.BytesIO()
        np.save(buf, np.zeros(3))
        z.writestr("y.npy", buf.getvalue())


def _build(tmp: Path) -> list[dict]:
    cases: list[dict] = []

    def add(name, argv, *, rc=(0, 2), json_out=False, intact=(), stdout_lacks=(), **more):
        cases.append({"name": name, "argv": [str(a) for a in argv], "rc": list(rc),
                      "json": json_out, "intact": [str(p) for p in intact],
                      "stdout_lacks": list(stdout_lacks), "seconds": more.pop("seconds", 60),
                      **more})

    # -------------------------------------------------------------- formulas and --set values
    fdir = tmp / "formulas"
    _theorem_file(fdir, "hx", [{"sid": f"f{i}", "expr": e} for i, (_, e, _) in enumerate(FORMULAS)]
                  + [{"sid": f"i{i}", "expr": e, "symbol": True} for i, (_, e) in
                     enumerate(IMPLICIT)])
    for i, (name, _, n) in enumerate(FORMULAS):
        add(f"formula_{name}", ["bounds", f"hx.f{i}", "--n", n, "--theorems", fdir,
                                "--format", "json"], rc=(0,), json_out=True, bound_answer=True)
    for i, (name, _) in enumerate(IMPLICIT):
        add(f"implicit_{name}", ["bounds", f"hx.i{i}", "--theorems", fdir, "--format", "json"],
            rc=(0,), json_out=True, bound_answer=True)
    add("placeholder_collision", ["bounds", "hx.f0", "--n", "2", "--set", "x_=3",
                                  "--theorems", fdir, "--format", "json"], rc=(0,), json_out=True)
    for name, expr in REFUSED:
        _theorem_file(tmp / f"refused_{name}", "hr", [{"sid": "s", "expr": expr}])
        add(f"refused_{name}", ["list", "--theorems", tmp / f"refused_{name}"], rc=(2,))
    az = ["bounds", "allenzhu2019.thm1", "--n", "1000", "--L", "3", "--sep", "0.1", "--d", "10"]
    add("set_huge_exponent", [*az, "--set", "a_az_m=1000000000", "--format", "json"], rc=(0,),
        json_out=True)
    add("set_absurd_exponent", [*az, "--set", "a_az_m=1e100000", "--set", "a_az_mlog=1",
                                "--m", "1e6", "--format", "json"], rc=(0,), json_out=True)
    du = ["bounds", "du2019.thm4.1"]
    for name, flags in [
        ("n_out_of_range", ["--n", "1e100001"]), ("n_negative", ["--n", "-5"]),
        ("n_fraction", ["--n", "2.5"]), ("n_zero", ["--n", "0"]),
        ("delta_above_one", ["--delta", "1.5"]), ("delta_two", ["--n", "10", "--delta", "2"]),
        ("n_nan", ["--n", "nan"]), ("n_inf", ["--n", "inf"]), ("set_index", ["--set", "k=1"]),
        ("set_unknown", ["--set", "zz=1"]), ("set_no_name", ["--set", "=3"]),
        ("n_division", ["--n", "1/0"]), ("lambda0_negative", ["--lambda0=-1e-3"]),
        ("set_observable", ["--set", "loss=1"]),
    ]:
        add(f"value_{name}", [*du, *flags], rc=(2,))
    add("compare_n_zero", ["compare", "--n", "0"], rc=(2,))
    add("compare_crossover_missing", ["compare", "--n", "10", "--crossover", "du2019.thm4.1",
                                      "allenzhu2019.thm1"], rc=(2,))
    add("compare_crossover_unknown", ["compare", "--n", "10", "--lambda0", "0.1", "--delta",
                                      "0.1", "--crossover", "du2019.thm4.1", "nope.x"], rc=(2,))
    add("compare_json", ["compare", "--n", "1e3", "1e30", "--lambda0", "1e-3", "--delta", "0.1",
                         "--format", "json"], rc=(0,), json_out=True)
    add("table_negative", ["table", "--n", "-1"], rc=(2,))

    # -------------------------------------------------------------- theorem folders
    special = tmp / "special"

    def folder(name: str) -> Path:
        d = special / name
        d.mkdir(parents=True)
        return d

    os.mkfifo(folder("fifo") / "x.toml")
    (folder("devzero") / "x.toml").symlink_to("/dev/zero")
    (folder("dir_named_toml") / "x.toml").mkdir()
    (folder("deep_array") / "x.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000)
    (folder("deep_tables") / "x.toml").write_text("a = " + "{b = " * 3000 + "1" + "}" * 3000)
    big = folder("big_file") / "x.toml"
    big.write_text('[paper]\nkey = "big"\ntitle = "' + "x" * 3_000_000 + '"\n')
    (folder("invalid_utf8") / "x.toml").write_bytes(b'[paper]\nkey = "u"\ntitle = "\xff\xfe"\n')
    (folder("binary") / "x.toml").write_bytes(bytes(range(256)) * 64)
    (folder("nul_byte") / "x.toml").write_bytes(b'[paper]\nkey = "z"\ntitle = "a\x00b"\n')
    for name in ("fifo", "devzero", "dir_named_toml", "deep_array", "deep_tables", "big_file",
                 "invalid_utf8", "binary", "nul_byte"):
        add(f"folder_{name}", ["list", "--theorems", special / name], rc=(2,), seconds=60)
    add("folder_missing", ["list", "--theorems", tmp / "no_such_folder"], rc=(2,))
    chain = folder("chain")
    chain_text = HEADER.format(key="ch", title="chain", authors='["A. B"]')
    for i in range(3000):
        uses = f'uses = ["s{i - 1}"]\n' if i else ""
        chain_text += (f'\n[[statements]]\nid = "s{i}"\nkind = "lemma"\ntitle = "t"\n'
                       f'source = "s"\nprovenance = "derived"\n{uses}')
    (chain / "ch.toml").write_text(chain_text)
    add("uses_chain_show", ["show", "ch.s2999", "--theorems", chain], rc=(0,))
    add("uses_chain_graph", ["graph", "ch.s2999", "--theorems", chain], rc=(0,))
    add("uses_chain_show_json", ["show", "ch.s2999", "--theorems", chain, "--format", "json"],
        rc=(0,), json_out=True)
    _theorem_file(folder("empty_author"), "ea", [{"sid": "s", "expr": "n"}], authors='[""]')
    add("folder_empty_author", ["list", "--theorems", special / "empty_author"], rc=(2,))
    _theorem_file(folder("table_tag"), "tt", [{"sid": "s", "expr": "n",
                                               "extra": "tags = { bridge = { a = 1 } }"}])
    add("folder_table_tag", ["list", "--theorems", special / "table_tag"], rc=(2,))
    _theorem_file(folder("bad_derivation"), "bd", [{
        "sid": "s", "expr": "n",
        "extra": 'derivations = [{ name = "w", kind = "width", steps = [{ take = "x.y" }] }]'}])
    add("folder_bad_width_derivation", ["graph", "bd.s", "--theorems",
                                        special / "bad_derivation"], rc=(2,))
    _theorem_file(folder("ansi"), "an", [{"sid": "s", "expr": "n",
                                          "title": "evil \\u001b]0;pwned\\u0007\\u001b[31m red"}],
                  title="ansi \\u001b[2J")
    add("ansi_list", ["list", "--theorems", special / "ansi"], rc=(0,),
        stdout_lacks=["\x1b", "\x07"])
    add("ansi_show", ["show", "an.s", "--theorems", special / "ansi"], rc=(0,),
        stdout_lacks=["\x1b", "\x07"])
    _theorem_file(folder("bidi"), "bi", [{"sid": "s", "expr": "n",
                                          "title": "width \\u202e6**n\\u202c ok \\u2066x"}])
    add("bidi_show", ["show", "bi.s", "--theorems", special / "bidi"], rc=(0,),
        stdout_lacks=["\u202e", "\u2066"])
    add("bidi_list_json", ["list", "--theorems", special / "bidi", "--format", "json"], rc=(0,),
        json_out=True, stdout_lacks=["\u202e"])
    add("ansi_in_argument", ["show", "du2019.\x1b[31mthm"], rc=(2,), stderr_lacks=["\x1b"])
    # the HTML report (issue 19): markup in theorem text is text; no control character gets out
    _theorem_file(folder("markup"), "mk", [{
        "sid": "s", "expr": "n", "title": "<img src=x onerror=alert(1)></title><script>x()"
                                          "</script> \\u001b[31m \\u202e"}],
        title="<img src=y onerror=alert(2)>")
    for cmd in (["list"], ["show", "mk.s"], ["graph", "mk.s"]):
        add(f"html_markup_{cmd[0]}", [*cmd, "--theorems", special / "markup", "--format",
                                      "html"], rc=(0,),
            stdout_lacks=["<img src=", "<script>x()", "</title><script>", "\x1b", "\u202e"])

    # -------------------------------------------------------------- datasets
    data = tmp / "data"
    data.mkdir()
    X = np.random.default_rng(0).standard_normal((6, 3))
    np.savez(data / "real.npz", X=X, y=np.arange(6.0))
    os.replace(data / "real.npz", data / "renamed.npy")
    np.savez(data / "complex.npz", X=X + 1j, y=np.arange(6.0))
    np.save(data / "object.npy", np.array([[1, "a"], [2, "b"]], dtype=object))
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    (data / "huge_header.npy").write_bytes(head.getvalue() + b"\0" * 64)
    _bomb_npz(data / "bomb.npz")
    (data / "long_field.csv").write_text("a,y\n" + "1" * 200_000 + ",1\n2,3\n")
    (data / "gzip.csv").write_bytes(b"\x1f\x8b\x08\x00junk")
    os.mkfifo(data / "fifo.csv")
    (data / "devzero.npy").symlink_to("/dev/zero")
    (data / "empty.csv").write_text("")
    (data / "nan.csv").write_text("a,b,y\n1,nan,1\n2,3,4\n5,6,7\n")
    (data / "text.csv").write_text("a,b,y\n1,x,1\n2,3,4\n")
    np.save(data / "one_d.npy", np.arange(5.0))
    np.save(data / "truncated.npy", np.ones((50, 4)))
    (data / "truncated.npy").write_bytes((data / "truncated.npy").read_bytes()[:300])
    np.savez(data / "no_x.npz", A=X, y=np.arange(6.0))
    rows = np.random.default_rng(1).standard_normal((6, 3))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    np.savetxt(data / "huge_values.csv", np.c_[rows * 5e307, np.arange(6.0)], delimiter=",",
               header="a,b,c,y", comments="")
    for name in ("complex.npz", "object.npy", "huge_header.npy", "bomb.npz", "long_field.csv",
                 "gzip.csv", "fifo.csv", "devzero.npy", "empty.csv", "nan.csv", "text.csv",
                 "one_d.npy", "truncated.npy", "no_x.npz"):
        add(f"data_{name.replace('.', '_')}", ["check", data / name], rc=(2,), seconds=60)
    add("data_renamed_npz", ["check", data / "renamed.npy", "--format", "json"], rc=(0,),
        json_out=True, seconds=90)
    add("data_near_float_max", ["check", data / "huge_values.csv", "--format", "json"], rc=(0,),
        json_out=True, seconds=90, norms_near=5e307)
    for name, argv in [("sphere_trillion", ["check", "sphere:n=1000000000000"]),
                       ("seed_negative", ["check", "sphere:n=5,d=3", "--seed", "-1"]),
                       ("seed_option_negative", ["check", "sphere:n=5,d=3,seed=-1"]),
                       ("mnist_like_huge", ["check", "mnist-like:n=100000000,d=784"]),
                       ("sphere_zero_n", ["check", "sphere:n=0"])]:
        add(f"data_{name}", argv, rc=(2,))

    hyp = tmp / "hypotheses"
    hyp.mkdir()
    text = HEADER.format(key="hv", title="hostile hypotheses", authors='["A. B"]')
    for i, expr in enumerate(["sep >= floor(exp(exp(n)))", "sep >= n**n**n",
                              "sep <= sin(exp(n))", "lambda0 >= log(n - 10**6)"]):
        text += (f'\n[[statements]]\nid = "s{i}"\nkind = "assumption"\ntitle = "t"\n'
                 f'source = "x"\nprovenance = "derived"\n[[statements.hypotheses]]\n'
                 f'name = "h"\nexpr = "{expr}"\n')
        add(f"check_hypothesis_{i}", ["check", "sphere:n=50,d=3", "--theorems", hyp,
                                      "--theorem", f"hv.s{i}", "--format", "json"], rc=(0,),
            json_out=True, seconds=60)
    (hyp / "hv.toml").write_text(text, encoding="utf-8")

    # -------------------------------------------------------------- writes: full disk, bad paths
    outd = tmp / "outputs"
    outd.mkdir()
    for name in ("table.txt", "graph.dot", "graph.graphml"):
        (outd / name).write_text(f"previous {name}\n")
    add("full_disk_table", ["table", "--n", "1e3", "-o", outd / "table.txt"], rc=(2,),
        intact=[outd / "table.txt"], fsize_bytes=120)
    add("full_disk_dot", ["graph", "du2019.thm4.1", "--dot", outd / "graph.dot"], rc=(2,),
        intact=[outd / "graph.dot"], fsize_bytes=120)
    add("full_disk_graphml", ["graph", "du2019.thm4.1", "--graphml", outd / "graph.graphml"],
        rc=(2,), intact=[outd / "graph.graphml"], fsize_bytes=120)
    (outd / "report.html").write_text("previous report\n")
    add("full_disk_html", ["show", "du2019.thm4.1", "--format", "html", "-o",
                           outd / "report.html"], rc=(2,), intact=[outd / "report.html"],
        fsize_bytes=120)
    add("table_into_missing_folder", ["table", "-o", tmp / "no" / "such" / "t.txt"], rc=(2,))
    add("table_onto_a_folder", ["table", "-o", outd], rc=(2,))
    return cases


#: Cases kept out of `make test` (slow on 2 cores; the same classes are covered by fast ones).
SLOW = {"uses_chain_graph", "uses_chain_show_json", "compare_json", "compare_crossover_unknown",
        "formula_self_power_huge_n", "formula_log_power_tower", "refused_deep_parens",
        "data_renamed_npz", "full_disk_graphml"}


def _run_corpus(tmp: Path, slow: bool):
    cases = [c for c in _build(tmp) if (c["name"] in SLOW) == slow]
    digests = {p: _digest(Path(p)) for c in cases for p in c["intact"]}
    spec = tmp / "cases.json"
    spec.write_text(json.dumps(cases), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(HERE / "runner.py"), str(spec)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1500, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r["name"]: r for r in json.loads(proc.stdout)}
    return {c["name"]: (c, results[c["name"]]) for c in cases}, digests


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _run_corpus(tmp_path_factory.mktemp("hostile"), slow=False)


@pytest.fixture(scope="module")
def slow_corpus(tmp_path_factory):
    return _run_corpus(tmp_path_factory.mktemp("hostile_slow"), slow=True)


def _case_names() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return [c["name"] for c in _build(Path(d))]


CASE_NAMES = _case_names()


def test_corpus_is_large_enough():
    assert len(CASE_NAMES) >= 60
    assert len(set(CASE_NAMES)) == len(CASE_NAMES)
    assert SLOW <= set(CASE_NAMES)
    assert len(set(CASE_NAMES) - SLOW) >= 60  # `make test` alone runs at least 60


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n not in SLOW])
def test_hostile_case(corpus, name):
    _check(corpus, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW))
def test_hostile_case_slow(slow_corpus, name):
    _check(slow_corpus, name)


def _check(corpus, name: str) -> None:
    cases, digests = corpus
    case, res = cases[name]
    detail = f"{name}: rc={res['rc']} ({res['seconds']} s)\nstderr: {res['stderr'][-2000:]}"
    assert not res["timed_out"], detail
    assert res["rc"] in case["rc"], detail
    assert "Traceback" not in res["stderr"], detail
    assert len(res["stderr"].splitlines()) <= 1, detail
    if res["rc"] == 2:
        assert res["stderr"].startswith("prooftools: error: "), detail
    for path in case["intact"]:
        assert _digest(Path(path)) == digests[path], f"{name}: {path} changed"
        leftovers = [p for p in Path(path).parent.iterdir() if p.name.endswith(".tmp")]
        assert not leftovers, leftovers
    for bad in case["stdout_lacks"]:
        assert bad not in res["stdout"], f"{name}: {bad!r} reached the terminal"
    for bad in case.get("stderr_lacks", []):
        assert bad not in res["stderr"], f"{name}: {bad!r} reached the terminal"
    if case["json"]:
        payload = json.loads(res["stdout"], parse_constant=_no_constants)
        if case.get("bound_answer"):
            (b,) = [b for b in payload["bounds"] if b["name"] == "b"]
            assert b["value"] is not None or b.get("magnitude") or b.get("not_representable"), b
        if case.get("norms_near"):
            q = payload["normalizations"]["none"]["quantities"]
            assert q["norm_max"]["value"] == pytest.approx(case["norms_near"], rel=1e-12)
            assert q["norm_min"]["value"] == pytest.approx(case["norms_near"], rel=1e-12)


def _no_constants(name: str):
    raise AssertionError(f"JSON contains {name}")
