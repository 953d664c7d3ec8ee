"""The repository needs nothing beside it: no code or test reads the team's shared folder
(a user's clone has none). Data the tests need is copied in with its provenance."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|['\"]shared['\"]\s*/|parents\[[3-9]\]")


def test_no_code_reads_the_folder_beside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("safetyhub", "tests", "bench", "dev", ".ci")
        for path in ([ROOT / folder] if (ROOT / folder).is_file() else
                     sorted((ROOT / folder).rglob("*")))
        if path.is_file() and path.suffix in {"", ".py", ".sh", ".toml", ".cfg"}
        and path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_the_qicharts2_reference_cases_ship_with_the_tests():
    folder = ROOT / "tests" / "spc" / "data" / "qicharts2"
    assert (folder / "MANIFEST.csv").is_file()
    assert (folder / "PROVENANCE.md").is_file()
    assert len(list(folder.glob("*.csv"))) > 30
