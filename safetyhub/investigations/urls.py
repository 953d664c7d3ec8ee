from django.urls import path

from . import views

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
