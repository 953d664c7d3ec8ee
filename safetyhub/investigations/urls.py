from django.urls import path

from . import views, views_actions

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
