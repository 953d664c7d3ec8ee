"""Driver diagrams: the tree's levels and their errors, links to the initiative's own PDSA
cycles and the organization's measures only, moving and deleting (audited), the outline page
(outsider 404, viewer read-only, actions named with the node's text), the SVG's structure,
the PDF, and the API (422 naming `parent_id` for a bad parent)."""

import io
import json

import pytest
from django.core.exceptions import ValidationError

from safetyhub.core.models import AuditEntry, Role
from safetyhub.improvement import services, services_drivers
from safetyhub.improvement.drivers_draw import diagram_svg, diagram_tree
from safetyhub.improvement.models import DriverNode
from safetyhub.improvement.views_aims import diagram_pdf_bytes

from ..conftest import client_for
from .test_initiatives import make_initiative, make_measure, person, tactic_of

API = "/api/v1/orgs"


@pytest.fixture
def initiative(org, owner, member):
    return make_initiative(org, owner, title="Fewer falls", owner=member, status="active")


@pytest.fixture
def tree(initiative, member):
    """primary → secondary → change idea, and a second primary driver."""
    add = services_drivers.add_node
    primary = add(initiative=initiative, by=member, kind="primary", text="Reliable risk checks")
    secondary = add(initiative=initiative, by=member, kind="secondary", parent=primary,
                    text="Risk assessed on admission")
    change = add(initiative=initiative, by=member, kind="change", parent=secondary,
                 text="Falls checklist at handover")
    other = add(initiative=initiative, by=member, kind="primary", text="Safe environment")
    return primary, secondary, change, other


def test_levels_are_kept_and_a_bad_parent_is_named(initiative, other_org, outsider, tree,
                                                   member):
    primary, secondary, change, _ = tree
    their = make_initiative(other_org, outsider, title="Theirs")
    their_node = services_drivers.add_node(initiative=their, by=outsider, kind="primary",
                                           text="Their driver")
    cases = [("change", primary), ("secondary", None), ("secondary", secondary),
             ("primary", primary), ("secondary", their_node), ("change", change)]
    for kind, parent in cases:
        with pytest.raises(ValidationError) as exc_info:
            services_drivers.add_node(initiative=initiative, by=member, kind=kind,
                                      parent=parent, text="x")
        assert "parent" in exc_info.value.message_dict, (kind, parent)
    with pytest.raises(ValidationError) as exc_info:
        services_drivers.add_node(initiative=initiative, by=member, kind="primary", text=" ")
    assert "text" in exc_info.value.message_dict
    assert DriverNode.objects.filter(initiative=initiative).count() == 4


def test_a_change_idea_from_a_tactic_links_this_initiatives_cycles_and_org_measures(
        org, owner, initiative, tree, member, other_org, outsider):
    _, secondary, _, _ = tree
    tactic = tactic_of("R01")
    cycle = services.start_cycle(initiative=initiative, by=member, change="Try the checklist")
    elsewhere = make_initiative(org, owner, title="Elsewhere")
    their_cycle = services.start_cycle(initiative=elsewhere, by=owner, change="Not this one")
    falls = make_measure(org)
    theirs = make_measure(other_org, name="Their measure")

    idea = services_drivers.add_node(initiative=initiative, by=member, kind="change",
                                     parent=secondary, tactic=tactic, cycles=[cycle],
                                     measures=[falls])
    assert idea.text == tactic.title  # the tactic's own words when none are given
    assert list(idea.cycles.all()) == [cycle] and list(idea.measures.all()) == [falls]
    for links, field in [({"cycles": [their_cycle]}, "cycles"),
                         ({"measures": [theirs]}, "measures")]:
        with pytest.raises(ValidationError) as exc_info:
            services_drivers.update_node(node=idea, by=member, **links)
        assert field in exc_info.value.message_dict
    with pytest.raises(ValidationError) as exc_info:
        services_drivers.update_node(node=secondary, by=member, tactic=tactic)
    assert "tactic" in exc_info.value.message_dict
    assert list(idea.cycles.all()) == [cycle]
    assert AuditEntry.objects.filter(object_id=str(idea.pk),
                                     object_type__iendswith="drivernode").count() >= 3


def test_move_and_delete_are_audited_and_delete_takes_the_branch(initiative, tree, member):
    primary, secondary, change, other = tree
    services_drivers.move_node(node=other, by=member, direction="up")
    assert [b.node.pk for b in diagram_tree(initiative)] == [other.pk, primary.pk]
    services_drivers.move_node(node=other, by=member, direction="up")  # at the top already
    assert [b.node.pk for b in diagram_tree(initiative)] == [other.pk, primary.pk]
    with pytest.raises(ValidationError):
        services_drivers.move_node(node=other, by=member, direction="sideways")
    ids = {str(primary.pk), str(secondary.pk), str(change.pk)}
    assert services_drivers.delete_node(node=primary, by=member) == 3
    assert list(DriverNode.objects.values_list("pk", flat=True)) == [other.pk]
    deleted = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE,
                                        object_type__iendswith="drivernode")
    assert {e.object_id for e in deleted} == ids


def test_the_svg_exposes_the_structure_and_escapes_text(initiative, member, tree):
    services_drivers.add_node(initiative=initiative, by=member, kind="primary",
                              text="<script>alert(1)</script>")
    svg = str(diagram_svg(aim_text="Reduce falls", tree=diagram_tree(initiative),
                          title=initiative.title))
    assert 'role="graphics-document"' in svg and "viewBox=" in svg
    assert svg.count('role="list"') == 4 and svg.count('role="listitem"') == 6
    assert 'aria-label="Change idea: Falls checklist at handover (under “Risk assessed on ' \
           'admission”)"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_the_pdf_holds_the_node_text(initiative, tree):
    pdf = diagram_pdf_bytes(initiative)
    assert pdf.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Falls checklist at handover" in " ".join(text.split())


# --- pages ---------------------------------------------------------------------------------


def diagram_url(i, rest="") -> str:
    return f"/o/{i.organization.slug}/plan/{i.pk}/diagram/{rest}"


def test_the_outline_names_each_action_with_its_node(initiative, member, tree):
    page = client_for(member).get(diagram_url(initiative)).content.decode()
    change = tree[2]
    for label in ["Add secondary driver under “Reliable risk checks”",
                  "Add change idea under “Risk assessed on admission”",
                  "Move up “Falls checklist at handover”", "Edit “Safe environment”",
                  "Delete “Reliable risk checks”"]:
        assert f'aria-label="{label}"' in page.replace("&quot;", '"')
    assert f'id="node-{change.pk}"' in page and 'role="graphics-document"' in page


def test_adding_editing_moving_and_deleting_through_the_pages(initiative, member, tree):
    client = client_for(member)
    primary, other = tree[0], tree[3]
    response = client.post(diagram_url(initiative, "new/"), {"parent": primary.pk,
                                                              "text": "Staff know who is at risk"})
    node = DriverNode.objects.get(text="Staff know who is at risk")
    assert node.kind == "secondary" and node.parent == primary
    assert response["Location"].endswith(f"#node-{node.pk}")
    bad = client.post(diagram_url(initiative, "new/"), {"text": ""})
    assert bad.status_code == 422 and "This field is required" in bad.content.decode()
    client.post(diagram_url(initiative, f"{node.pk}/edit/"), {"text": "Risk is visible"})
    node.refresh_from_db()
    assert node.text == "Risk is visible"
    response = client.post(diagram_url(initiative, f"{other.pk}/move/"), {"direction": "up"})
    assert response["Location"].endswith(f"#node-{other.pk}")
    confirm = client.get(diagram_url(initiative, f"{primary.pk}/delete/")).content.decode()
    assert "Risk assessed on admission" in confirm  # what goes with it
    client.post(diagram_url(initiative, f"{primary.pk}/delete/"))
    assert not DriverNode.objects.filter(pk=primary.pk).exists()


def test_viewers_read_only_and_outsiders_404(org, initiative, tree, outsider):
    primary = tree[0]
    viewer = client_for(person(org, Role.EXECUTIVE_VIEWER))
    page = viewer.get(diagram_url(initiative))
    assert page.status_code == 200 and "Move up" not in page.content.decode()
    assert viewer.post(diagram_url(initiative, "new/"), {"text": "x"}).status_code == 403
    assert viewer.post(diagram_url(initiative, f"{primary.pk}/delete/")).status_code == 403
    stranger = client_for(outsider)
    for url in [diagram_url(initiative), diagram_url(initiative, "new/"),
                diagram_url(initiative, f"{primary.pk}/edit/"),
                f"/o/{org.slug}/plan/{initiative.pk}/diagram.svg",
                f"/o/{org.slug}/plan/{initiative.pk}/diagram.pdf",
                f"/o/{org.slug}/plan/{initiative.pk}/diagram.txt"]:
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(diagram_url(initiative, f"{primary.pk}/delete/")).status_code == 404
    assert DriverNode.objects.filter(pk=primary.pk).exists()


def test_a_node_of_another_initiative_is_404_through_this_one(org, owner, initiative, tree):
    elsewhere = make_initiative(org, owner, title="Elsewhere")
    client = client_for(owner)
    assert client.get(diagram_url(elsewhere, f"{tree[0].pk}/edit/")).status_code == 404
    assert client.get(diagram_url(elsewhere) + f"new/?parent={tree[0].pk}").status_code == 404


def test_the_downloads(initiative, member, tree):
    client = client_for(member)
    svg = client.get(f"/o/{initiative.organization.slug}/plan/{initiative.pk}/diagram.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"Reliable risk checks" in svg.content
    pdf = client.get(f"/o/{initiative.organization.slug}/plan/{initiative.pk}/diagram.pdf")
    assert pdf.content.startswith(b"%PDF")
    text = client.get(f"/o/{initiative.organization.slug}/plan/{initiative.pk}/diagram.txt")
    assert text.content.decode().splitlines()[1:] == [
        "Aim: Fewer falls (no aim written yet)",
        "  - Primary driver: Reliable risk checks",
        "    - Secondary driver: Risk assessed on admission",
        "      - Change idea: Falls checklist at handover",
        "  - Primary driver: Safe environment"]


# --- API -----------------------------------------------------------------------------------


def call(client, method, url, body=None):
    kwargs = {} if body is None else {"data": json.dumps(body),
                                      "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


def test_api_builds_moves_and_deletes_nodes_and_names_a_bad_parent(
        org, initiative, member, tree, other_org, outsider):
    base = f"{API}/{org.slug}/initiatives/{initiative.pk}/diagram"
    client = client_for(member)
    primary, secondary, change, other = tree
    cycle = services.start_cycle(initiative=initiative, by=member, change="Try it")
    created = call(client, "post", f"{base}/nodes", {
        "kind": "change", "parent_id": secondary.pk,
        "tactic": {"key": tactic_of("R01").key}, "cycle_ids": [cycle.pk]})
    assert created.status_code == 201, created.content
    assert created.json()["cycle_ids"] == [cycle.pk]
    assert created.json()["text"] == tactic_of("R01").title

    for body in [{"kind": "change", "parent_id": primary.pk, "text": "x"},
                 {"kind": "secondary", "text": "x"},
                 {"kind": "secondary", "parent_id": 999999, "text": "x"}]:
        bad = call(client, "post", f"{base}/nodes", body)
        assert bad.status_code == 422, body
        assert bad.json()["detail"][0]["field"] == "parent_id"
    bad = call(client, "patch", f"{base}/nodes/{change.pk}", {"cycle_ids": [999999]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "cycle_ids"

    outline = client.get(base).json()
    assert outline["drivers"][0]["children"][0]["children"][0]["text"] == change.text
    moved = call(client, "post", f"{base}/nodes/{other.pk}/move", {"direction": "up"})
    assert moved.status_code == 200 and moved.json()["position"] == 0
    assert call(client, "patch", f"{base}/nodes/{other.pk}", {"text": "Safer rooms"}
                ).json()["text"] == "Safer rooms"
    assert client.delete(f"{base}/nodes/{primary.pk}").status_code == 204
    assert len(client.get(f"{base}/nodes").json()) == 1

    assert client_for(outsider).get(base).status_code == 404
    assert call(client_for(outsider), "post", f"{base}/nodes",
                {"kind": "primary", "text": "x"}).status_code == 404
    viewer = client_for(person(org, Role.EXECUTIVE_VIEWER))
    assert viewer.get(base).status_code == 200
    assert call(viewer, "post", f"{base}/nodes", {"kind": "primary", "text": "x"}
                ).status_code == 403


def test_the_diagram_page_makes_as_many_queries_for_one_branch_as_for_three(
        org, owner, initiative, member):
    from ..queries import count_queries

    client = client_for(member)
    falls = make_measure(org)
    cycle = services.start_cycle(initiative=initiative, by=member, change="Try it")

    def branch(k: int) -> None:
        primary = services_drivers.add_node(initiative=initiative, by=member, kind="primary",
                                            text=f"Driver {k}")
        secondary = services_drivers.add_node(initiative=initiative, by=member,
                                              kind="secondary", parent=primary,
                                              text=f"Secondary {k}")
        services_drivers.add_node(initiative=initiative, by=member, kind="change",
                                  parent=secondary, text=f"Idea {k}", cycles=[cycle],
                                  measures=[falls], tactic=tactic_of("R01"))

    branch(1)
    one = count_queries(client, diagram_url(initiative))
    branch(2)
    branch(3)
    assert count_queries(client, diagram_url(initiative)) == one
