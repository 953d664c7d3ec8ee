from django.urls import path

from . import views_lessons

app_name = "network"
# Network pages, for its leads and the people of its member organizations.
N = "n/<slug:network_slug>/"
# An organization's own side of its networks (drafts, sharing choices, data it submits).
P = "o/<slug:org_slug>/network/"
urlpatterns: list = []

# Networks, leads, members and invitations (views.py)

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

# Shared goals (views_goals.py)
