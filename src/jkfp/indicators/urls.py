from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("indicators/", views.home, name="home"),
    path("indicators/<str:code>/", views.dashboard, name="dashboard"),
    path("indicators/<str:code>/workbook.xlsx", views.workbook, name="workbook"),
    path("indicators/<str:code>/report/", views.report, name="report"),
    path("indicators/<str:code>/<str:indicator>/persons/", views.persons, name="persons"),
]
