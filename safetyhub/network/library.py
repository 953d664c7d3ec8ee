"""The network library's search and "similar lessons": a TF-IDF term index.

At publish, each lesson's text is cut into terms and each term's frequency in the lesson
(over the lesson's length) is kept in LessonTerm. At query time a term weighs its frequency
times its rarity in the network's library (idf = ln(1 + N / df)), summed per lesson in SQL.
One code path for SQLite and PostgreSQL: plain GROUP BY and CASE, no engine's full-text
search, so the default database and production rank the same way."""

from __future__ import annotations

import math
import re
from collections import Counter

from django.db.models import Case, Count, F, FloatField, QuerySet, Sum, Value, When

from .models import Network
from .models_lessons import LessonTerm, PublishedLesson

# Terms "similar" compares: a lesson's most telling ones.
SIMILAR_TERMS = 15
MAX_QUERY_TERMS = 12
COMMON_IDF = math.log(3)  # the idf of a term in half the library's lessons
SMALL_LIBRARY = 50
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOPWORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could day days did do does doing down during each
earlier event few for from further had has have having he her here hers him his how i if
in into is it its itself just later lesson me more most my no nor not now of off on once
one only or other our out over own patient same she should so some staff such than that
the their them then there these they this those three through to too two under until up
very was we were what when where which while who whom why will with would you your
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def stem(word: str) -> str:
    """A light suffix strip, so "falls", "falling" and "fall" meet (and "sedatives" and
    "sedative")."""
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 6:
        return word[:-3]
    if word.endswith("ed") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 4:
        return word[:-1]
    return word


def terms_of(text: str) -> list[str]:
    text = _PLACEHOLDER.sub(" ", text or "").lower()
    return [stem(w)[:40] for w in _WORD.findall(text) if w not in STOPWORDS and len(w) > 2]


def lesson_text(lesson: PublishedLesson) -> str:
    parts = [lesson.title, lesson.title, lesson.what_happened, lesson.contributing_factors,
             lesson.results, lesson.category_title]
    parts += [a.get("description", "") for a in lesson.actions]
    parts += [c.get("title", "") for c in lesson.charts]
    return "\n".join(parts)


def index_lesson(lesson: PublishedLesson) -> int:
    """(Re)write the lesson's terms; the number written."""
    counts = Counter(terms_of(lesson_text(lesson)))
    total = sum(counts.values()) or 1
    LessonTerm.objects.filter(lesson=lesson).delete()
    LessonTerm.objects.bulk_create([
        LessonTerm(lesson=lesson, network_id=lesson.network_id, term=term, weight=n / total)
        for term, n in counts.items()])
    return len(counts)


def _idf(network: Network, terms) -> tuple[int, dict[str, float]]:
    """(lessons in the library, each term's idf)."""
    total = PublishedLesson.objects.filter(network=network, withdrawn_at__isnull=True).count()
    df = dict(LessonTerm.objects.filter(network=network, term__in=list(terms))
              .values_list("term").annotate(n=Count("id")).values_list("term", "n"))
    return total, {t: math.log(1 + total / n) for t, n in df.items() if n}


class RankedLessons:
    """Lessons by score, best first, fetched a page at a time: the scores are one GROUP BY
    over the index rows of the query's terms (not a subquery per lesson), and only the
    page's lessons are loaded. Sliceable and countable, as Django's Paginator and the API's
    pagination want."""

    def __init__(self, scores: QuerySet, lessons: QuerySet[PublishedLesson]):
        self._scores = scores
        self._lessons = lessons

    def all(self) -> RankedLessons:
        return self

    def count(self) -> int:
        return self._scores.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self._load(list(self._scores)))

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index:index + 1][0]
        return self._load(list(self._scores[index]))

    def _load(self, rows: list[dict]) -> list[PublishedLesson]:
        found = self._lessons.in_bulk([row["lesson_id"] for row in rows])
        page = []
        for row in rows:
            lesson = found[row["lesson_id"]]
            lesson.score = row["score"]
            page.append(lesson)
        return page


def _ranked(lessons: QuerySet[PublishedLesson], network: Network,
            weights: dict[str, float], exclude_pk: int | None = None,
            lookups: dict | None = None) -> RankedLessons:
    if not weights:
        return RankedLessons(LessonTerm.objects.none(), lessons)
    score = Sum(Case(*[When(term=t, then=Value(w)) for t, w in weights.items()],
                     default=Value(0.0), output_field=FloatField()) * F("weight"),
                output_field=FloatField())
    # A withdrawn lesson's terms are deleted; the check stays as a second lock.
    rows = LessonTerm.objects.filter(network=network, term__in=list(weights),
                                     lesson__withdrawn_at__isnull=True)
    if lookups:  # the library's filters, on the lesson's own columns
        rows = rows.filter(**{f"lesson__{key}": value for key, value in lookups.items()})
    if exclude_pk is not None:
        rows = rows.exclude(lesson_id=exclude_pk)
    scores = (rows.values("lesson_id").annotate(score=score).filter(score__gt=0)
              .order_by("-score", "-lesson_id"))
    return RankedLessons(scores, lessons)


def search(lessons: QuerySet[PublishedLesson], *, network: Network, query: str,
           lookups: dict | None = None) -> RankedLessons:
    """The network's current lessons matching `lookups` (field lookups on PublishedLesson)
    that share a term with `query`, best first; `lessons` is the queryset they are loaded
    from (its select_related and the like)."""
    terms = list(dict.fromkeys(terms_of(query)))[:MAX_QUERY_TERMS]
    return _ranked(lessons, network, _idf(network, terms)[1], lookups=lookups)


def similar(lesson: PublishedLesson, *, limit: int = 5) -> list[PublishedLesson]:
    """The network's other lessons closest to `lesson` by its most telling terms."""
    own = dict(LessonTerm.objects.filter(lesson=lesson).values_list("term", "weight"))
    total, idf = _idf(lesson.network, own)
    # In a library of some size, terms in more than half its lessons say little about
    # likeness and cost the most rows.
    telling = [t for t in own if total < SMALL_LIBRARY or idf.get(t, 0) >= COMMON_IDF]
    telling = telling or list(own)
    best = sorted(telling, key=lambda t: own[t] * idf.get(t, 0), reverse=True)[:SIMILAR_TERMS]
    weights = {t: own[t] * idf.get(t, 0) ** 2 for t in best}
    lessons = PublishedLesson.objects.filter(network=lesson.network, withdrawn_at__isnull=True)
    return _ranked(lessons, lesson.network, weights, exclude_pk=lesson.pk)[0:limit]
