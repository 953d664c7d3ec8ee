from django.urls import path

from . import views, views_ratings, views_spread

app_name = "improvement"
P = "o/<slug:org_slug>/plan/"
urlpatterns = [
    path(P, views.plan, name="plan"),
    path(P + "board/", views.board, name="board"),
    path(P + "new/", views.initiative_new, name="initiative_new"),
    path(P + "<int:pk>/", views.initiative_detail, name="initiative"),
    path(P + "<int:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path(P + "<int:pk>/status/", views.initiative_status, name="initiative_status"),
    path(P + "<int:pk>/notes/", views.note_add, name="note_add"),
    path(P + "<int:pk>/measures/", views.initiative_measure, name="initiative_measure"),
    path(P + "<int:pk>/cycles/new/", views.cycle_start, name="cycle_start"),
    path(P + "cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path(P + "from-priority/<int:assessment_pk>/<str:key>/", views.from_priority,
         name="from_priority"),
    path(P + "<int:pk>/ratings/", views_ratings.rate, name="initiative_rate"),
    path(P + "<int:pk>/spread/", views_spread.spread, name="spread"),
]
