"""Linking from the initiative page and into the plan from a tactic: measures linked
directly (one of the organization's, or a new one from the starter library), the tactic
choice led by the initiative's recommendation, and "Add to action plan" on tactic pages."""

from safetyhub.core.models import AuditEntry, Role
from safetyhub.improvement.models import Initiative
from safetyhub.measures.models import Measure

from ..conftest import client_for
from .test_initiatives import detail_url, make_initiative, make_measure, nap, person, tactic_of


def measures_url(initiative) -> str:
    return f"{detail_url(initiative)}measures/"


def test_initiative_page_links_an_existing_measure(org, owner, owner_client):
    initiative = make_initiative(org, owner)
    falls = make_measure(org)
    page = owner_client.get(detail_url(initiative)).content.decode()
    assert "Link this measure" in page and f'<option value="{falls.pk}">' in page
    response = owner_client.post(measures_url(initiative), {"measure": falls.pk})
    assert response.status_code == 302 and response["Location"].endswith("#measures")
    assert list(initiative.measures.all()) == [falls]
    assert AuditEntry.objects.filter(object_type="improvement.Initiative",
                                     changes__measures__added=falls.name).exists()
    # Linked now, so no longer offered.
    page = owner_client.get(detail_url(initiative)).content.decode()
    assert f'<option value="{falls.pk}">' not in page


def test_initiative_page_adds_a_measure_from_the_library(org, owner, owner_client):
    initiative = make_initiative(org, owner)
    response = owner_client.post(measures_url(initiative), {"library_key": "falls-rate"})
    assert response.status_code == 302
    measure = Measure.objects.get(organization=org)
    assert measure.library_key == "falls-rate"
    assert list(measure.initiatives.all()) == [initiative]


def test_linking_refuses_a_foreign_or_unknown_measure(org, other_org, owner, owner_client):
    initiative = make_initiative(org, owner)
    theirs = make_measure(other_org, name="Their secret measure")
    for data in ({"measure": theirs.pk}, {"measure": "x"}, {"library_key": "nope"}):
        response = owner_client.post(measures_url(initiative), data, follow=True)
        assert "No measure linked" in response.content.decode()
    assert not initiative.measures.exists()
    assert Measure.objects.filter(organization=org).count() == 0


def test_only_those_who_change_the_initiative_link_measures(org, owner, outsider_client):
    initiative = make_initiative(org, owner)
    falls = make_measure(org)
    reader = client_for(person(org, Role.EXECUTIVE_VIEWER))
    assert reader.post(measures_url(initiative), {"measure": falls.pk}).status_code == 403
    assert "Link this measure" not in reader.get(detail_url(initiative)).content.decode()
    assert outsider_client.post(measures_url(initiative),
                                {"measure": falls.pk}).status_code == 404
    assert not initiative.measures.exists()


def test_the_tactic_choice_lists_the_recommendations_tactics_first(org, owner, owner_client):
    r04 = nap("R04")
    initiative = make_initiative(org, owner, recommendation=r04)
    form = owner_client.get(f"{detail_url(initiative)}edit/").context["form"]
    groups = [label for label, _ in form.fields["tactic"].choices][1:]
    assert groups[0] == f"For {r04.number}. {r04.title}"


def test_a_tactic_page_adds_to_the_action_plan(org, owner, owner_client, member_client):
    tactic = tactic_of("R04")
    page_url = (f"/o/{org.slug}/frameworks/packs/{tactic.pack.pack_id}/{tactic.pack.version}/"
                f"{tactic.key}/")
    page = owner_client.get(page_url).content.decode()
    new_url = f"/o/{org.slug}/plan/new/?tactic={tactic.pk}"
    assert f'href="{new_url}"' in page
    assert "Add to action plan" not in member_client.get(page_url).content.decode()
    form = owner_client.get(new_url).context["form"]
    assert form.initial["tactic"] == tactic.pk
    assert form.initial["recommendation"] == tactic.parent_id
    # A tactic id the organization may not choose is ignored, not trusted.
    assert owner_client.get(f"/o/{org.slug}/plan/new/?tactic=999999").context[
        "form"].initial == {}
    assert not Initiative.objects.exists()
