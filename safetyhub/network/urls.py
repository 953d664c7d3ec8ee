from django.urls import path

from . import views, views_aggregates, views_goals, views_lessons

app_name = "network"
# Network pages, for its leads and the people of its member organizations.
N = "n/<slug:network_slug>/"
# An organization's own side of its networks (drafts, sharing choices, data it submits).
P = "o/<slug:org_slug>/network/"
urlpatterns: list = []

# Networks, leads, members and invitations (views.py)
urlpatterns += [
    path("networks/", views.network_list, name="list"),
    path("networks/join/<str:token>/", views.join, name="join"),
    path(N, views.home, name="home"),
    path(N + "members/", views.members, name="members"),
    path(N + "members/invitations/", views.invitation_create, name="invitation_create"),
    path(N + "members/invitations/<str:pk>/revoke/", views.invitation_revoke,
         name="invitation_revoke"),
    path(N + "members/leads/", views.lead_add, name="lead_add"),
    path(N + "members/leads/<str:pk>/remove/", views.lead_remove, name="lead_remove"),
    path(P, views.organization_networks, name="organization"),
    path(P + "<slug:network_slug>/sharing/", views.sharing_update, name="sharing_update"),
    path(P + "<slug:network_slug>/leave/", views.leave, name="leave"),
]

# Lessons: drafts, de-identification review, the library (views_lessons.py)
urlpatterns += [
    path(P + "lessons/", views_lessons.drafts, name="lesson_drafts"),
    path(P + "lessons/<int:pk>/", views_lessons.draft_edit, name="lesson_draft"),
    path(P + "lessons/<int:pk>/review/", views_lessons.draft_review, name="lesson_review"),
    path(P + "lessons/<int:pk>/publish/", views_lessons.draft_publish, name="lesson_publish"),
    path(P + "lessons/<int:pk>/withdraw/", views_lessons.draft_withdraw,
         name="lesson_withdraw"),
    path(N + "lessons/", views_lessons.library_page, name="library"),
    path(N + "lessons/<int:pk>/", views_lessons.lesson_page, name="lesson"),
    path(N + "lessons/<int:pk>/comment/", views_lessons.lesson_comment, name="lesson_comment"),
]

# Network dashboards (views_aggregates.py)
urlpatterns += [
    path(N + "dashboard/", views_aggregates.dashboard, name="dashboard"),
]

# Shared goals (views_goals.py)

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
