from django.urls import path

from . import views

app_name = "events"
P = "o/<slug:org_slug>/events/"
urlpatterns = [
    path(P, views.event_list, name="list"),
    path(P + "mine/", views.my_reports, name="mine"),
    path(P + "report/", views.report, name="report"),
    path(P + "report/draft/", views.draft, name="draft"),
    path(P + "report/questions/", views.questions, name="questions"),
    path(P + "<int:pk>/", views.detail, name="detail"),
    path(P + "<int:pk>/files/<int:file_pk>/", views.attachment, name="attachment"),
]
