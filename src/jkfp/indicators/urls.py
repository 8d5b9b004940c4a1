from django.urls import path

from . import literacy_views, map_views, views

app_name = "indicators"
urlpatterns = [
    path("indicators/", views.home, name="home"),
    path("indicators/literacy/", literacy_views.literacy_home, name="literacy"),
    path("indicators/<str:code>/map/", map_views.map_upload, name="map"),
    path("indicators/<str:code>/map.geojson", map_views.map_geojson, name="map_geojson"),
    path("indicators/<str:code>/", views.dashboard, name="dashboard"),
    path("indicators/<str:code>/workbook.xlsx", views.workbook, name="workbook"),
    path("indicators/<str:code>/report/", views.report, name="report"),
    path("indicators/<str:code>/<str:indicator>/persons/", views.persons, name="persons"),
]
