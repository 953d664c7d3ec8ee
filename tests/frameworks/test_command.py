import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from safetyhub.frameworks.builtin import builtin_pack_files

from .test_services import ORG_PACK


def test_validate_accepts_the_shipped_packs(capsys, db):
    call_command("packs", "validate", *builtin_pack_files())
    out = capsys.readouterr().out
    assert out.count(" is valid") == len(builtin_pack_files())


def test_validate_checks_links_against_the_shipped_packs(tmp_path, capsys, db):
    good = tmp_path / "ours.yaml"
    good.write_text(yaml.safe_dump(ORG_PACK))  # links to nap-2020:R13
    call_command("packs", "validate", good)
    assert "riverside-falls 1 (instrument) is valid" in capsys.readouterr().out


def test_validate_reports_each_problem_and_fails(tmp_path, capsys, db):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**ORG_PACK, "year": "soon", "colour": "red"}))
    with pytest.raises(CommandError, match="2 problem"):
        call_command("packs", "validate", bad)
    err = capsys.readouterr().err
    assert f"{bad}: year: Input should be a valid integer" in err
    assert f"{bad}: colour: unknown field" in err


def test_validate_needs_existing_files(db):
    with pytest.raises(CommandError, match="no such file"):
        call_command("packs", "validate", "/nonexistent.yaml")


def test_list_names_every_shipped_pack(capsys, db):
    call_command("packs", "list")
    out = capsys.readouterr().out
    for pack_id in ("nap-2020", "safetyhub-sa", "pssm", "who-gpsap-2021", "safetyhub-crosswalk"):
        assert pack_id in out
