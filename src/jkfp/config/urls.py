from django.contrib import admin
from django.urls import include, path, re_path

from jkfp.api.errors import unknown_endpoint
from jkfp.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_endpoint),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("jkfp.web.urls")),
]
