from django.urls import path

from . import views, views_measures, views_public, views_triage

app_name = "events"
P = "o/<slug:org_slug>/events/"
urlpatterns = [
    path(P, views.event_list, name="list"),
    path(P + "export.csv", views.event_list_csv, name="list_csv"),
    path(P + "mine/", views.my_reports, name="mine"),
    path(P + "report/", views.report, name="report"),
    path(P + "report/draft/", views.draft, name="draft"),
    path(P + "report/draft/discard/", views.discard, name="discard"),
    path(P + "report/questions/", views.questions, name="questions"),
    path(P + "<int:pk>/", views.detail, name="detail"),
    path(P + "<int:pk>/received/", views.received, name="received"),
    path(P + "<int:pk>/files/<int:file_pk>/", views.attachment, name="attachment"),
    # triage (views_triage.py)
    path(P + "<int:pk>/triage/", views_triage.triage, name="triage"),
    path(P + "<int:pk>/acknowledge/", views_triage.acknowledge, name="acknowledge"),
    path(P + "serious/", views_triage.serious, name="serious"),
    path(P + "settings/", views_triage.event_settings, name="settings"),
    path(P + "public-page/", views_public.public_page_settings, name="public_page_settings"),
    # The public page: no account, no organization menu (views_public.py).
    path("report/<slug:org_slug>/", views_public.report, name="public_report"),
    path("report/<slug:org_slug>/follow-up/", views_public.follow_up, name="public_follow_up"),
]

# Measures from events: aggregates only (views_measures.py)
urlpatterns += [
    path(P + "dashboard/", views_measures.dashboard, name="dashboard"),
    path(P + "equity/", views_measures.equity, name="equity"),
    path(P + "equity/settings/", views_measures.equity_settings, name="equity_settings"),
    path(P + "signals/", views_measures.signals, name="signals"),
    path(P + "patient-days/", views_measures.patient_days_page, name="patient_days"),
    path(P + "patient-days/import/", views_measures.patient_days_import,
         name="patient_days_import"),
    path(P + "measures/new/", views_measures.event_measure_new, name="event_measure_new"),
    path(P + "measures/<int:pk>/counted/", views_measures.event_measure_edit,
         name="event_measure_edit"),
]
