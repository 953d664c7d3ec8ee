"""Demo lessons: published in the demo network through the review and approval, holding no
identifier of the demo's text, and loaded once."""

from safetyhub.core.demo import load_demo_data
from safetyhub.network import library
from safetyhub.network.demo import NETWORK_SLUG as NETWORK
from safetyhub.network.models_lessons import LessonDraft, PublishedLesson


def test_demo_lessons_are_published_deidentified_and_loaded_once(db):
    load_demo_data()
    published = PublishedLesson.objects.filter(network__slug=NETWORK)
    assert published.count() >= 3
    assert {lesson.owner.slug for lesson in published} == {"riverside-general", "lakeshore"}
    text = repr(list(published.values()))
    for secret in ("Jenna Ortiz", "555-201-3344", "12 March"):
        assert secret not in text
    for draft in LessonDraft.objects.all():
        assert draft.approved_at is not None and draft.publications.exists()
    falls = published.get(title__startswith="Falls at night")
    assert falls in library.similar(published.get(title__startswith="A fall at night"))
    count = published.count()
    load_demo_data()
    assert PublishedLesson.objects.filter(network__slug=NETWORK).count() == count
