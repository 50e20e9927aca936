"""`prooftools engines` lists what the engine registry holds (docs/theorem-format.md shows it,
so the allowed `network` tags are generated, not retyped)."""

from prooftools.cli import main
from prooftools.engines.base import Engine
from prooftools.engines.registry import register_engine, registered_engines, unregister_engine


def test_every_engine_and_network_tag_is_listed(capsys):
    assert main(["engines", "--wide"]) == 0
    out = capsys.readouterr().out
    for name, eng in registered_engines().items():
        assert name in out
        assert all(tag in out for tag in eng.networks)


class _Toy(Engine):
    name = "toy_listing"
    networks = ("toy_net_for_listing",)
    algorithms = ("gd",)

    def run(self, request):  # pragma: no cover - never run here
        raise NotImplementedError


def test_a_plugged_in_engine_appears_and_disappears(capsys):
    register_engine(_Toy)
    try:
        assert main(["engines", "--format", "json"]) == 0
        assert "toy_net_for_listing" in capsys.readouterr().out
    finally:
        unregister_engine("toy_listing")
    assert main(["engines"]) == 0
    assert "toy_net_for_listing" not in capsys.readouterr().out


def test_theorem_format_doc_shows_the_listing():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "theorem-format.md").read_text()
    assert "<!-- prooftools-run: engines -->" in doc  # regenerated and checked by test_docs
    for eng in registered_engines().values():
        assert all(tag in doc for tag in eng.networks)
