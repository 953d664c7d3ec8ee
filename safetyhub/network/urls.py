from django.urls import path

app_name = "network"
# Network pages, for its leads and the people of its member organizations.
N = "n/<slug:network_slug>/"
# An organization's own side of its networks (drafts, sharing choices, data it submits).
P = "o/<slug:org_slug>/network/"
urlpatterns: list = []

# Networks, leads, members and invitations (views.py)

# Lessons: drafts, de-identification review, the library (views_lessons.py)

# Network dashboards (views_aggregates.py)

# Shared goals (views_goals.py)
from . import views_goals  # noqa: E402

urlpatterns += [
    path(N + "goals/", views_goals.goal_list, name="goals"),
    path(N + "goals/new/", views_goals.goal_new, name="goal_new"),
    path(N + "goals/<int:pk>/", views_goals.goal_detail, name="goal"),
    path(N + "goals/<int:pk>/edit/", views_goals.goal_edit, name="goal_edit"),
    path(P + "goals/<int:pk>/", views_goals.org_goal, name="org_goal"),
    path(P + "goals/<int:pk>/take-part/", views_goals.org_goal_take_part,
         name="org_goal_take_part"),
    path(P + "goals/<int:pk>/values/", views_goals.org_goal_value, name="org_goal_value"),
    path(P + "goals/<int:pk>/upload/", views_goals.org_goal_upload, name="org_goal_upload"),
]
