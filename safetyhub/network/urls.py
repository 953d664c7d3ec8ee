from django.urls import path

from . import views

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

# Network dashboards (views_aggregates.py)

# Shared goals (views_goals.py)
