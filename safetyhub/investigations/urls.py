from django.urls import path

from . import views, views_actions, views_board, views_resolution, views_support

app_name = "investigations"
P = "o/<slug:org_slug>/investigations/"
urlpatterns: list = [
    path(P, views.review_list, name="list"),
    path(P + "settings/", views.rule_settings, name="settings"),
    path(P + "events/<int:pk>/score/", views.score, name="score"),
    path(P + "events/<int:pk>/start/", views.start, name="start"),
    path(P + "reviews/<int:pk>/", views.review, name="review"),
    path(P + "reviews/<int:pk>/causes/new/", views.causal_statement, name="cause_new"),
    path(P + "reviews/<int:pk>/causes/<int:statement_pk>/", views.causal_statement,
         name="cause_edit"),
]

# Actions that work and aggregate reviews (views_actions.py)
urlpatterns += [
    path(P + "reviews/<int:pk>/actions/", views_actions.review_actions, name="review_actions"),
    path(P + "actions/", views_actions.action_list, name="actions"),
    path(P + "actions/<int:pk>/", views_actions.action_detail, name="action"),
    path(P + "actions/<int:pk>/edit/", views_actions.action_edit, name="action_edit"),
    path(P + "actions/<int:pk>/initiative/", views_actions.action_initiative,
         name="action_initiative"),
    path(P + "aggregate/new/", views_actions.aggregate_new, name="aggregate_new"),
    path(P + "aggregate/<int:pk>/", views_actions.aggregate_detail, name="aggregate"),
]

# The board view: aggregates for executives and leads (views_board.py)
urlpatterns += [
    path(P + "board/", views_board.board_view, name="board"),
]

# Communication and resolution after harm (views_resolution.py)
urlpatterns += [
    path(P + "resolution/", views_resolution.resolution_list, name="resolution_list"),
    path(P + "resolution/<int:pk>/", views_resolution.resolution_detail, name="resolution"),
    path(P + "resolution/measures/", views_resolution.measures, name="resolution_measures"),
]

# Care for the caregiver: support coordinators only (views_support.py)
urlpatterns += [
    path(P + "support/", views_support.support_list, name="support_list"),
    path(P + "support/<int:pk>/", views_support.support_offer, name="support_offer"),
]
