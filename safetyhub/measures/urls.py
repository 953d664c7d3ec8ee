"""Routes of the measure pages and the improvement dashboard (`measures:measure` …)."""

from django.urls import path

from . import views, views_import

app_name = "measures"
M = "o/<slug:org_slug>/measures/"
urlpatterns = [
    path(M, views.measures, name="list"),
    path(M + "new/", views.measure_new, name="new"),
    path(M + "<int:pk>/", views.measure, name="measure"),
    path(M + "<int:pk>/edit/", views.measure_edit, name="edit"),
    path(M + "<int:pk>/data/", views.measure_data, name="data"),
    path(M + "<int:pk>/import/", views.measure_import, name="import"),
    path(M + "<int:pk>/split/", views.measure_split, name="split"),
    path(M + "<int:pk>/splits/<int:split_pk>/remove/", views.measure_split_remove,
         name="split_remove"),
    path(M + "<int:pk>/chart.svg", views.measure_chart_svg, name="chart_svg"),
    path("o/<slug:org_slug>/plan/dashboard/", views.dashboard, name="dashboard"),
    path(M + "<int:pk>/import/<int:staged_pk>/", views_import.import_map, name="import_map"),
    path(M + "<int:pk>/import/template.<str:kind>", views_import.import_template,
         name="import_template"),
    path(M + "<int:pk>/split/shift/", views.measure_split_shift, name="split_shift"),
]
