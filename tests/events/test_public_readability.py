"""The public pages read at about a sixth-grade level (issue 11: patients and families, in
plain language). The measure is the Flesch-Kincaid grade of each page's visible text
(tests/events/readability.py); the instrument itself is checked first, so a broken counter
cannot pass a hard page."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from safetyhub.events import public
from safetyhub.events.models import EventReport

from .readability import grade, page_grade, prose, syllables, visible_chunks

# Grade 6 is the aim. Each page is measured twice: all its visible text (short labels and
# choices count as sentences of their own, which flatters a form), and its prose alone (the
# paragraphs and list items the project wrote), which must meet the aim by itself.
MAX_GRADE = 6.0


def assert_plain(html: str) -> None:
    assert page_grade(html) <= MAX_GRADE, page_grade(html)
    assert grade(prose(html)) <= MAX_GRADE, (grade(prose(html)), prose(html))


def test_the_syllable_count_matches_known_words():
    # (it errs on the hard side where an "e" inside a word is silent: "safety" counts 3)
    known = {"the": 1, "care": 1, "happened": 2, "people": 2, "family": 3, "report": 2,
             "anonymous": 4, "hospital": 3, "interpreter": 4, "code": 1,
             "stopped": 1, "reported": 3, "disability": 5}
    assert {word: syllables(word) for word in known} == known


def test_the_grade_tells_easy_text_from_hard_text():
    assert grade("The cat sat on the mat. We got your report.") < 2
    hard = ("Notwithstanding the aforementioned considerations, organizational accountability "
            "mechanisms necessitate comprehensive documentation of occurrences, irrespective "
            "of ascertainable consequences for institutional stakeholders.")
    assert grade(hard) > 14


def test_only_visible_text_is_read():
    html = ("<html><head><title>T</title><style>p{}</style></head><body><p>One two.</p>"
            "<script>var hidden = 'words words';</script><textarea>typed</textarea></body>")
    assert visible_chunks(html) == ["One two."]


@pytest.fixture
def page(org):
    public.set_public_page(organization=org, is_open=True)
    return org


def test_the_report_page_reads_at_about_grade_six(page):
    html = Client().get(f"/report/{page.slug}/").content.decode()
    assert_plain(html)


def test_the_error_page_reads_at_about_grade_six(page):
    html = Client().post(f"/report/{page.slug}/", {"anonymous": "no"}).content.decode()
    assert "Please tell us what happened." in html
    assert_plain(html)


def test_the_thanks_and_follow_up_pages_read_at_about_grade_six(page):
    client = Client()
    thanks = client.post(f"/report/{page.slug}/", {
        "what_happened": "The wrong food came.", "day": timezone.localdate().isoformat(),
        "time_of_day": "morning", "hurt": "no", "relationship": "patient", "anonymous": "yes",
    }).content.decode()
    assert_plain(thanks)
    code = re.search(r'id="follow-up-code">([0-9A-Z-]+)<', thanks).group(1)
    ask = client.get(f"/report/{page.slug}/follow-up/").content.decode()
    assert_plain(ask)
    EventReport.objects.update(status=EventReport.Status.INVESTIGATING,
                               created_at=timezone.now() - dt.timedelta(days=3))
    status = client.post(f"/report/{page.slug}/follow-up/", {"code": code}).content.decode()
    assert "We are looking into what happened." in status
    assert_plain(status)


def test_the_page_refusing_a_form_from_another_site_reads_at_about_grade_six(page):
    html = Client().post(f"/report/{page.slug}/", {},
                         headers={"Sec-Fetch-Site": "cross-site"}).content.decode()
    assert "sent from another website" in html
    assert_plain(html)
