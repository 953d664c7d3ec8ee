from django.urls import path

from . import views

app_name = "frameworks"
urlpatterns = [
    path("o/<slug:org_slug>/frameworks/", views.pack_list, name="pack_list"),
    path("o/<slug:org_slug>/frameworks/search/", views.search, name="search"),
    path("o/<slug:org_slug>/frameworks/tactics/", views.tactic_library, name="tactics"),
    path("o/<slug:org_slug>/frameworks/upload/", views.upload, name="upload"),
    path("o/<slug:org_slug>/frameworks/packs/<slug:pack_id>/", views.pack_detail,
         name="pack"),
    path("o/<slug:org_slug>/frameworks/packs/<slug:pack_id>/<str:version>/",
         views.pack_detail, name="pack_version"),
    path("o/<slug:org_slug>/frameworks/packs/<slug:pack_id>/<str:version>/<str:key>/",
         views.item_detail, name="item"),
]
