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

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from .models import Network
from .models_lessons import LessonTerm, PublishedLesson

# Terms "similar" compares: a lesson's most telling ones.
SIMILAR_TERMS = 15
MAX_QUERY_TERMS = 12
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
    """A light suffix strip, so "falls", "falling" and "fall" meet."""
    for suffix in ("ings", "ing", "ies", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            return word + "y" if suffix == "ies" else word
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


def _idf(network: Network, terms) -> dict[str, float]:
    total = PublishedLesson.objects.filter(network=network, withdrawn_at__isnull=True).count()
    df = dict(LessonTerm.objects.filter(network=network, term__in=list(terms))
              .values_list("term").annotate(n=Count("id")).values_list("term", "n"))
    return {t: math.log(1 + total / n) for t, n in df.items() if n}


def _ranked(lessons: QuerySet[PublishedLesson], network: Network,
            weights: dict[str, float], exclude_pk: int | None = None) -> QuerySet:
    if not weights:
        return lessons.none()
    score = Sum(Case(*[When(term=t, then=Value(w)) for t, w in weights.items()],
                     default=Value(0.0), output_field=FloatField()) * F("weight"),
                output_field=FloatField())
    scores = (LessonTerm.objects.filter(lesson=OuterRef("pk"), network=network,
                                        term__in=list(weights))
              .values("lesson").annotate(score=score).values("score"))
    ranked = lessons.annotate(score=Subquery(scores, output_field=FloatField())).filter(
        score__gt=0)
    if exclude_pk is not None:
        ranked = ranked.exclude(pk=exclude_pk)
    return ranked.order_by("-score", "-published_at", "-pk")


def search(lessons: QuerySet[PublishedLesson], *, network: Network, query: str) -> QuerySet:
    """`lessons` (already filtered to the network) that share a term with `query`, best
    first."""
    terms = list(dict.fromkeys(terms_of(query)))[:MAX_QUERY_TERMS]
    return _ranked(lessons, network, _idf(network, terms))


def similar(lesson: PublishedLesson, *, limit: int = 5) -> list[PublishedLesson]:
    """The network's other lessons closest to `lesson` by its most telling terms."""
    own = dict(LessonTerm.objects.filter(lesson=lesson).values_list("term", "weight"))
    idf = _idf(lesson.network, own)
    best = sorted(own, key=lambda t: own[t] * idf.get(t, 0), reverse=True)[:SIMILAR_TERMS]
    weights = {t: own[t] * idf.get(t, 0) ** 2 for t in best}
    lessons = PublishedLesson.objects.filter(network=lesson.network, withdrawn_at__isnull=True)
    return list(_ranked(lessons, lesson.network, weights, exclude_pk=lesson.pk)[:limit])
