"""The project's URLs plus one page that fails (to see the 500 page with DEBUG off)."""

from django.urls import path

from jkfp.config.urls import urlpatterns as project


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *project]
