"""Routes of the measure pages and the improvement dashboard. No app_name: urls.py adds
these patterns to the improvement namespace (`improvement:measure` …)."""

from django.urls import path

from . import views_measures as views

M = "o/<slug:org_slug>/measures/"
urlpatterns = [
    path(M, views.measures, name="measures"),
    path(M + "new/", views.measure_new, name="measure_new"),
    path(M + "<int:pk>/", views.measure, name="measure"),
    path(M + "<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path(M + "<int:pk>/data/", views.measure_data, name="measure_data"),
    path(M + "<int:pk>/import/", views.measure_import, name="measure_import"),
    path(M + "<int:pk>/split/", views.measure_split, name="measure_split"),
    path(M + "<int:pk>/splits/<int:split_pk>/remove/", views.measure_split_remove,
         name="measure_split_remove"),
    path(M + "<int:pk>/chart.svg", views.measure_chart_svg, name="measure_chart_svg"),
    path("o/<slug:org_slug>/plan/dashboard/", views.dashboard, name="dashboard"),
]
