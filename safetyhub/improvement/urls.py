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

# Aim statement and driver diagram (views_aims.py).
from . import views_aims  # noqa: E402

urlpatterns += [
    path(P + "<int:pk>/aim/", views_aims.aim_edit, name="aim_edit"),
    path(P + "<int:pk>/diagram/", views_aims.diagram, name="diagram"),
    path(P + "<int:pk>/diagram/new/", views_aims.node_new, name="diagram_node_new"),
    path(P + "<int:pk>/diagram/<int:node_pk>/edit/", views_aims.node_edit,
         name="diagram_node_edit"),
    path(P + "<int:pk>/diagram/<int:node_pk>/move/", views_aims.node_move,
         name="diagram_node_move"),
    path(P + "<int:pk>/diagram/<int:node_pk>/delete/", views_aims.node_delete,
         name="diagram_node_delete"),
    path(P + "<int:pk>/diagram.svg", views_aims.diagram_download_svg, name="diagram_svg"),
    path(P + "<int:pk>/diagram.pdf", views_aims.diagram_download_pdf, name="diagram_pdf"),
    path(P + "<int:pk>/diagram.txt", views_aims.diagram_download_text, name="diagram_text"),
]
