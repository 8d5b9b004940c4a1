"""The API alone, mounted as in `jkfp.config.urls` (the `api_urlconf` fixture): the API tests
do not depend on the pages."""

from django.urls import path

from jkfp.api.main import api

urlpatterns = [path("api/v1/", api.urls)]
