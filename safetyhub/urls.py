from django.contrib import admin
from django.urls import include, path

from .api import api

admin.site.site_header = "SafetyHub administration (superusers only)"

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("safetyhub.core.urls")),
    path("", include("safetyhub.frameworks.urls")),
    path("", include("safetyhub.assessments.urls")),
    path("", include("safetyhub.improvement.urls")),
    path("", include("safetyhub.measures.urls")),
    path("", include("safetyhub.events.urls")),
    path("", include("safetyhub.investigations.urls")),
    path("", include("safetyhub.network.urls")),
]
