"""Every ``--format json`` output has a JSON Schema shipped in ``prooftools/schemas``; real outputs
of ``show``, ``check``, ``verify`` and ``sweep`` validate against theirs, and each schema rejects a
document with a missing key, a string where a number belongs, or a float where an integer belongs.

The validator is stricter than JSON Schema about integers: the standard lets ``20.0`` pass as an
integer, the issue does not ("integers as integers"), so here an integer is a JSON number printed
without a decimal point.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path

import pytest

from prooftools.checking.verdict import Verdict
from prooftools.cli import main
from prooftools.theory.definitions import KINDS, PROVENANCE, RELATIONS

jsonschema = pytest.importorskip("jsonschema")

SCHEMAS = Path(__file__).resolve().parent.parent / "prooftools" / "schemas"
PLANTED = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
           "--n", "8", "16", "--seeds", "2", "--runner", "prooftools.sweep.synthetic:planted",
           "--option", "c=1", "--option", "a=2", "--scheduler", "synchronous", "--no-progress"]


def _strict_validator(schema: dict):
    base = jsonschema.validators.validator_for(schema)
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _c, x: isinstance(x, int) and not isinstance(x, bool))
    return jsonschema.validators.extend(base, type_checker=checker)(schema)


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate(doc, name: str) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``doc`` matches the schema ``name``."""
    _strict_validator(schema(name)).validate(doc)


def cli_json(*argv: str):
    """Run the CLI and parse what it prints (module fixtures cannot use capsys)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main([*argv, "--format", "json"])
    assert status == 0, buf.getvalue()[-2000:]
    return json.loads(buf.getvalue())


# ---------------------------------------------------------------------------- the schema files


def test_every_schema_file_is_a_valid_schema_with_its_own_id():
    files = sorted(SCHEMAS.glob("*.schema.json"))
    names = {f.name.removesuffix(".schema.json") for f in files}
    assert {"table", "bounds", "graph", "show", "check", "verify", "sweep", "replicate"} <= names
    for f in files:
        sch = json.loads(f.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(sch).check_schema(sch)
        assert sch["$id"].endswith("/" + f.name)
        # top-level keys are exactly the listed ones (in each alternative of a oneOf)
        tops = [sch["$defs"][alt["$ref"].rsplit("/", 1)[1]] for alt in sch["oneOf"]] \
            if "oneOf" in sch else [sch]
        assert all(top["additionalProperties"] is False for top in tops), f.name


def test_schema_enums_are_the_codes_own_lists():
    """The enums are copied from the code; this test fails when the two drift apart."""
    show, check, verify = schema("show"), schema("check"), schema("verify")
    assert show["properties"]["kind"]["enum"] == list(KINDS)
    assert show["properties"]["provenance"]["enum"] == list(PROVENANCE)
    assert show["$defs"]["bound"]["properties"]["relation"]["enum"] == list(RELATIONS)
    verdicts = [str(v) for v in Verdict]
    hyp = check["properties"]["hypotheses"]["items"]["properties"]
    assert hyp["verdict"]["enum"] == verdicts
    assert verify["$defs"]["verdict"]["properties"]["verdict"]["enum"] == verdicts


# ---------------------------------------------------------------------------- show


def test_show_json_of_every_built_in_statement_matches_the_schema():
    from prooftools.reporting.registry_reports import show_statement
    from prooftools.theory import load_registry

    reg = load_registry()
    assert len(reg) > 100
    validator = _strict_validator(schema("show"))
    for sid in reg.statements:  # exactly what `prooftools show ID --format json` prints
        doc = json.loads(show_statement(reg, sid, fmt="json"))
        errors = [e.message for e in validator.iter_errors(doc)]
        assert not errors, (sid, errors[:3])


def test_show_through_the_cli():
    doc = cli_json("show", "du2019.thm4.1")
    validate(doc, "show")
    assert doc["paper"]["year"] == 2019 and isinstance(doc["paper"]["year"], int)


# ---------------------------------------------------------------------------- check


@pytest.fixture(scope="module")
def check_docs():
    return {
        "sphere": cli_json("check", "sphere:n=20,d=5"),
        "parallel": cli_json("check", "parallel:n=10,d=4", "--depth", "2", "--fast"),
        "set": cli_json("check", "sphere:n=12,d=4", "--theorem", "du2019.step4.1",
                        "--set", "eta=1e-5", "delta=0.05", "--no-cache"),
    }


def test_check_json_matches_the_schema(check_docs):
    for doc in check_docs.values():
        validate(doc, "check")
    sphere, parallel = check_docs["sphere"], check_docs["parallel"]
    assert sphere["quantities"]["n"] == {"value": 20, "lower_bound": 20, "upper_bound": 20}
    assert sphere["dataset"]["n"] == 20
    # --depth measures the depth-L NTK; parallel inputs fail a hypothesis (the failing case)
    assert any("lambda_ntk" in norm["quantities"] for norm in parallel["normalizations"].values())
    assert any(h["verdict"] == "fails" for h in parallel["hypotheses"])
    given = check_docs["set"]
    assert given["set"]["eta"] == {"value": 1e-5, "role": "parameter", "used": True}
    assert given["cache"]["dir"] is None
    assert any(h.get("user_supplied") == ["eta"] for h in given["hypotheses"])


def test_check_schema_rejects_a_wrong_document(check_docs):
    good = check_docs["sphere"]
    validate(good, "check")
    for break_it in (
        lambda d: d.pop("hypotheses"),                                      # a required key
        lambda d: d["hypotheses"][0].update(margin="0.5"),                   # string for number
        lambda d: d["quantities"]["n"].update(value=20.0),                   # float for count
        lambda d: d["dataset"].update(n="20"),
        lambda d: d["hypotheses"][0].update(verdict="maybe"),
        lambda d: d["quantities"]["sep"].update(value="0.28"),  # only "inf"/"-inf" as strings
    ):
        bad = copy.deepcopy(good)
        break_it(bad)
        with pytest.raises(jsonschema.ValidationError):
            validate(bad, "check")


# ---------------------------------------------------------------------------- verify

VERIFY_RUNS = {
    "two_layer": ["verify", "du2019.thm4.1", "--dataset", "sphere:n=8,d=12", "--width", "64",
                  "--steps", "20", "--lr", "5"],
    "two_layer_flow": ["verify", "du2019.thm3.2", "--dataset", "sphere:n=6,d=4", "--width", "16",
                       "--steps", "10", "--flow"],
    "deep_relu": ["verify", "allenzhu2019.thm1", "--dataset", "sphere:n=10,d=6", "--width", "64",
                  "--depth", "2", "--steps", "15", "--lr", "1e-3"],
    "smooth": ["verify", "chatterjee.gd", "--dataset", "sphere:n=4,d=8", "--width", "8",
               "--depth", "2", "--steps", "20"],
    "linear": ["verify", "zhouliang2017.linear", "--dataset", "synthetic-square:d=6",
               "--depth", "3", "--points", "8"],
}


@pytest.fixture(scope="module")
def verify_docs():
    return {family: cli_json(*argv) for family, argv in VERIFY_RUNS.items()}


@pytest.mark.parametrize("family", list(VERIFY_RUNS))
def test_verify_json_of_each_engine_family_matches_the_schema(verify_docs, family):
    doc = verify_docs[family]
    validate(doc, "verify")
    traj = doc["trajectory"]
    if family == "two_layer_flow":
        assert traj["index_name"] == "t"
    else:  # iterations are integers, in the trajectory and in the verdicts
        assert traj["index_name"] == "k"
        assert all(type(k) is int for k in traj["index"])
        assert any(type(v["worst_index"]) is int for v in doc["verdicts"])


def test_verify_failure_carries_the_not_a_counterexample_note(verify_docs):
    doc = verify_docs["two_layer"]  # --lr 5 breaks the step-size hypothesis
    rate = next(v for v in doc["verdicts"] if v["item"] == "linear_rate")
    assert rate["verdict"] == "fails" and "not a counterexample" in rate["note"]


def test_verify_schema_rejects_a_wrong_document(verify_docs):
    good = verify_docs["two_layer"]
    for break_it in (
        lambda d: d.pop("graph"),
        lambda d: d["config"].pop("config_key"),
        lambda d: d["verdicts"][0].update(margin="0.5"),
        lambda d: d["verdicts"][-1].update(worst_index=20.0),  # k printed as a float
        lambda d: d["trajectory"].update(index=[float(k) for k in d["trajectory"]["index"]]),
        lambda d: d["config"].update(width=64.0),
        lambda d: d["graph"].update({"du2019.thm4.1": "probably"}),
    ):
        bad = copy.deepcopy(good)
        break_it(bad)
        with pytest.raises(jsonschema.ValidationError):
            validate(bad, "verify")


# ---------------------------------------------------------------------------- sweep


@pytest.fixture(scope="module")
def sweep_docs(tmp_path_factory):
    store = tmp_path_factory.mktemp("sweeps")
    return {
        "threshold": cli_json(*PLANTED, "--m-range", "2", "4096", "--resolution", "0",
                              "--store", str(store / "t")),
        "scaling": cli_json(*PLANTED, "--mode", "scaling", "--widths", "8", "16", "32",
                            "--store", str(store / "s")),
    }


def test_sweep_json_has_its_own_schema_and_matches_it(sweep_docs):
    """A sweep's JSON is a report, not a table: it has sweep.schema.json, not table's."""
    for doc in sweep_docs.values():
        validate(doc, "sweep")
        with pytest.raises(jsonschema.ValidationError):
            validate(doc, "table")
    thresholds = sweep_docs["threshold"]["thresholds"]
    assert [t["m_star"] for t in thresholds] == [64, 256]
    assert sweep_docs["scaling"]["observable_fits"]


def test_sweep_schema_rejects_a_wrong_document(sweep_docs):
    good = sweep_docs["threshold"]
    for break_it in (
        lambda d: d.pop("spec"),
        lambda d: d["thresholds"][0].update(m_star=64.0),
        lambda d: d["thresholds"][0].update(n="8"),
        lambda d: d["thresholds"][0].update(width=3),  # not an axis
        lambda d: d["width_fits"][0]["fit"].update(slope="2"),
    ):
        bad = copy.deepcopy(good)
        break_it(bad)
        with pytest.raises(jsonschema.ValidationError):
            validate(bad, "sweep")


def test_show_schema_rejects_a_wrong_document():
    good = cli_json("show", "du2019.lemma3.1")
    for break_it in (
        lambda d: d.pop("bounds"),
        lambda d: d["paper"].update(year="2019"),
        lambda d: d["paper"].update(year=2019.0),
        lambda d: d["bounds"][0].update(relation="≥"),
        lambda d: d.update(kind="remark"),
    ):
        bad = copy.deepcopy(good)
        break_it(bad)
        with pytest.raises(jsonschema.ValidationError):
            validate(bad, "show")


# ---------------------------------------------------------------------------- derive


def test_derive_json_matches_the_schema_and_uses_the_code_verdicts():
    from prooftools.theory import load_registry
    from prooftools.theory.derivation import VERDICTS

    assert schema("derive")["$defs"]["bound"]["properties"]["verdict"]["enum"] == list(VERDICTS)
    reg = load_registry()
    ids = [*[st.id for st in reg if st.derivations][:6], "du2019.lemma3.1"]
    for sid in ids:
        doc = cli_json("derive", sid)
        validate(doc, "derive")
        assert all(b["verdict"] in VERDICTS for b in doc["bounds"])


def test_derive_schema_rejects_a_wrong_document():
    doc = cli_json("derive", "du2019.thm3.3")
    for breaks in (lambda d: d["bounds"][0].pop("verdict"),
                   lambda d: d["bounds"][0].update({"verdict": "probably"}),
                   lambda d: d["derivations"][0]["steps"][0].update({"index": 1.0})):
        bad = copy.deepcopy(doc)
        breaks(bad)
        with pytest.raises(jsonschema.ValidationError):
            validate(bad, "derive")
