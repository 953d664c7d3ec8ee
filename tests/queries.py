"""Counting the queries a page makes, for the tests that pin a page to a fixed number."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str) -> int:
    """The queries one GET of `url` makes (answering 200), after a first visit has warmed
    per-process caches and noted the organization in the session."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)
