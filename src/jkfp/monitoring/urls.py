from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("warnings/", views.home, name="home"),
    path("warnings/list/", views.warning_list, name="list"),
    path("warnings/pushes/", views.push_list, name="pushes"),
    path("warnings/pushes/<int:pk>/export.xlsx", views.push_export, name="push_export"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/step/", views.warning_step, name="warning_step"),
]
