app_name = "investigations"
P = "o/<slug:org_slug>/investigations/"
urlpatterns: list = []
