"""The shipped content is true to its sources (issue 9, items 14-15; the findings are listed
with their sources in the content audit): titles as published, nothing unverified shown as
official, publishers' own addresses, and a released pack version that never changes."""

import hashlib
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from safetyhub.frameworks.builtin import builtin_pack_files, builtin_packs
from safetyhub.measures.services import library

RELEASED = Path(__file__).with_name("data") / "released_packs.json"
# Staging hosts and document-sharing mirrors: never the publisher's own address.
MIRRORS = ("vdocuments.", "fdocuments.", "studylib.", "scribd.", "quizgecko.", "richxtop.",
           "slideshare.", "cloudfront.net")


def shipped(pack_id: str):
    return next(lp.pack for lp in builtin_packs() if lp.pack.id == pack_id)


def fingerprint(text: str) -> str:
    data = yaml.safe_load(text)
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
                          ).hexdigest()


def test_who_objective_1_title_is_as_published():
    so1 = shipped("who-gpsap-2021").sections[0]
    assert so1.title.text == "Policies to eliminate avoidable harm"
    assert (so1.title.provenance, so1.title.source) == ("official-title", "W1")


def test_who_strategy_titles_never_show_as_official():
    who = shipped("who-gpsap-2021")
    for section in who.sections:
        for item in section.items:
            assert item.title.provenance not in ("official-title", "official-text"), item.id
            if section.id in ("SO4", "SO5"):
                # SafetyHub's condensations of the strategy statements W4 and W5 give.
                assert (item.status, item.title.provenance) == ("partial", "paraphrase"), item.id
                assert item.title.source == {"SO4": "W4", "SO5": "W5"}[section.id]
            else:
                assert item.status == "unconfirmed", item.id


def _urls():
    for lp in builtin_packs():
        for source in lp.pack.sources:
            if source.url:
                yield f"{lp.pack.id}: source {source.id}", str(source.url)
        for resource in lp.pack.resources:
            if resource.url:
                yield f"{lp.pack.id}: resource {resource.id}", str(resource.url)
        if lp.pack.licence_url:
            yield f"{lp.pack.id}: licence", str(lp.pack.licence_url)


def test_shipped_addresses_are_the_publishers_own():
    bad = []
    for where, url in _urls():
        host = urlparse(url).hostname or ""
        if host.startswith("stg.") or "-stage." in host or "staging" in host \
                or any(m in host for m in MIRRORS):
            bad.append(f"{where}: {url}")
    assert bad == []


def test_the_dart_measure_cites_what_defines_it():
    dart = next(m for m in library() if m.key == "staff-lost-time")
    # The BLS page gives the formula; DART cases are OSHA's Form 300A columns H and I.
    assert "300A" in dart.source and "column H" in dart.source and "column I" in dart.source
    assert "(DART rate)" not in dart.source


def test_a_released_pack_version_never_changes():
    released = json.loads(RELEASED.read_text(encoding="utf-8"))
    problems = []
    for path in builtin_pack_files():
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        key, now = f"{data['id']}@{data['version']}", fingerprint(text)
        if key not in released:
            problems.append(f"{path.name}: {key} is not recorded as released; add "
                            f'"{key}": "{now}" to {RELEASED.name}')
        elif released[key] != now:
            problems.append(f"{path.name}: {key} changed since it was released; publish the "
                            "change as a new version")
    assert problems == []


@pytest.mark.parametrize("pack_id", ["nap-2020", "pssm", "who-gpsap-2021", "safetyhub-sa"])
def test_corrected_packs_are_new_versions(pack_id):
    # Assessments may have used version 1: corrections are published as version 2.
    assert shipped(pack_id).version == "2"


def test_ihis_scale_labels_and_area_names_are_credited_to_ihi():
    sa = shipped("safetyhub-sa")
    sources = {s.id: s for s in sa.sources}
    quoted = {lvl.label: (lvl.provenance, lvl.source) for lvl in sa.scale.levels}
    for label in ("Beginning", "Making Progress", "Significant Impact", "Exemplary", "Unsure"):
        assert quoted[label] == ("official-title", "S12"), label
    assert quoted["Not started"] == ("project", None)
    assert "ihi.org" in str(sources["S12"].url)
    for item in (i for s in sa.sections for i in s.items):
        for level in item.levels:  # per-element definitions repeat the labels
            assert (level.provenance == "official-title") == (level.value in "1234"), item.id
    nap = shipped("nap-2020")
    aliases = [a for s in nap.sections for a in s.aliases]
    assert len(aliases) == 4
    assert all((a.provenance, a.source) == ("official-title", "S13") for a in aliases)


def test_the_instrument_says_it_follows_ihis_method_and_cites_it():
    description = shipped("safetyhub-sa").description
    assert (description.provenance, description.source) == ("paraphrase", "S12")
    assert "follows the method of IHI's Self-Assessment Tool" in description.text
