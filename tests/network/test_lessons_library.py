"""The library: search and "similar" on the TF-IDF term index, the filters, and that only the
network's current lessons are found."""

import pytest
from django.utils import timezone

from safetyhub.network import library
from safetyhub.network.lesson_queries import LibraryFilters, library_lessons
from safetyhub.network.models_lessons import PublishedLesson

from ..factories import OrganizationFactory, network_with


def lesson(network, owner, title, text, *, category="", recommendations="", strengths=""):
    row = PublishedLesson.objects.create(network=network, owner=owner, title=title,
                                         what_happened=text, category=category,
                                         recommendation_keys=recommendations,
                                         strength_keys=strengths)
    library.index_lesson(row)
    return row


@pytest.fixture
def network(org):
    return network_with(org, slug="valley")


@pytest.fixture
def lessons_in(network, org):
    return {
        "falls": lesson(network, org, "Falls at night after sedatives",
                        "A patient fell at night after a sedative; the bed alarm was off.",
                        category="fall", strengths="|stronger|"),
        "alarm": lesson(network, org, "Bed alarms switched off",
                        "Bed alarms were switched off during the night shift; a fall "
                        "followed.", category="fall", recommendations="|R05|",
                        strengths="|weaker|"),
        "insulin": lesson(network, org, "Look-alike insulin pens",
                          "Two insulin pens with similar labels were kept together.",
                          category="medication", strengths="|intermediate|"),
    }


def titles(qs):
    return [row.title for row in qs]


def test_terms_are_lower_cased_stemmed_and_skip_placeholders_and_stopwords():
    assert library.terms_of("The [NAME] FELL; falls and falling alarms, sedative sedatives "
                            "switched") == ["fell", "fall", "fall", "alarm", "sedative",
                                            "sedative", "switch"]


def test_search_ranks_lessons_sharing_rarer_words_first(network, lessons_in):
    found = titles(library_lessons(network=network, filters=LibraryFilters(q="sedatives")))
    assert found == ["Falls at night after sedatives"]
    found = titles(library_lessons(network=network, filters=LibraryFilters(q="bed alarm")))
    assert set(found) == {"Falls at night after sedatives", "Bed alarms switched off"}
    assert found[0] == "Bed alarms switched off"  # the word is in its title (counted twice)


def test_search_with_no_known_word_finds_nothing(network, lessons_in):
    assert titles(library_lessons(network=network, filters=LibraryFilters(q="zebra"))) == []
    assert titles(library_lessons(network=network, filters=LibraryFilters(q="the and"))) == []


@pytest.mark.parametrize(("filters", "expected"), [
    (LibraryFilters(category="fall"), {"Falls at night after sedatives",
                                       "Bed alarms switched off"}),
    (LibraryFilters(recommendation="R05"), {"Bed alarms switched off"}),
    (LibraryFilters(strength="intermediate"), {"Look-alike insulin pens"}),
    (LibraryFilters(q="alarm", strength="stronger"), {"Falls at night after sedatives"}),
    # A key that is a prefix of another key does not match it.
    (LibraryFilters(recommendation="R0"), set()),
])
def test_filters(network, lessons_in, filters, expected):
    assert set(titles(library_lessons(network=network, filters=filters))) == expected


def test_similar_lessons_share_telling_words_and_leave_the_lesson_itself_out(network,
                                                                            lessons_in):
    similar = library.similar(lessons_in["falls"])
    assert similar[0] == lessons_in["alarm"]
    assert lessons_in["falls"] not in similar
    assert lessons_in["insulin"] not in similar


def test_another_networks_and_withdrawn_lessons_are_never_found(network, lessons_in, org):
    other = network_with(OrganizationFactory(), slug="other")
    elsewhere = lesson(other, org, "Sedatives elsewhere", "A sedative and a fall.")
    lessons_in["falls"].withdrawn_at = timezone.now()
    lessons_in["falls"].save()
    lessons_in["falls"].terms.all().delete()
    found = library_lessons(network=network, filters=LibraryFilters(q="sedative fall"))
    assert elsewhere not in found and lessons_in["falls"] not in found
    assert elsewhere not in library.similar(lessons_in["alarm"])


def test_search_and_similar_take_a_fixed_number_of_queries(network, lessons_in,
                                                           django_assert_max_num_queries):
    for k in range(20):
        lesson(network, lessons_in["falls"].owner, f"Fall {k}", "A fall at night.")
    # The idf (lessons, and lessons per term), the scores, the lessons.
    with django_assert_max_num_queries(4):
        list(library_lessons(network=network, filters=LibraryFilters(q="fall night")))
    with django_assert_max_num_queries(5):  # and the lesson's own terms
        library.similar(lessons_in["falls"])


def test_in_a_large_library_similar_goes_by_the_rarer_words(network, org):
    for k in range(60):
        lesson(network, org, f"Fall {k}", "A fall at night on the ward.")
    first = lesson(network, org, "Quokka pump", "A fall at night: the quokka pump alarm.")
    second = lesson(network, org, "Another quokka", "The quokka pump alarm failed.")
    assert library.similar(first)[0] == second
