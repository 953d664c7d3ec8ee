from django.urls import path

from . import views_aggregates

app_name = "network"
# Network pages, for its leads and the people of its member organizations.
N = "n/<slug:network_slug>/"
# An organization's own side of its networks (drafts, sharing choices, data it submits).
P = "o/<slug:org_slug>/network/"
urlpatterns: list = []

# Networks, leads, members and invitations (views.py)

# Lessons: drafts, de-identification review, the library (views_lessons.py)

# Network dashboards (views_aggregates.py)
urlpatterns += [
    path(N + "dashboard/", views_aggregates.dashboard, name="dashboard"),
]

# Shared goals (views_goals.py)
