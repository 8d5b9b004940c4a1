from django.urls import path

from . import views

app_name = "settlement"
urlpatterns = [
    path("persons/<int:pk>/statements/", views.person_statements, name="person_statements"),
    path("persons/<int:pk>/stays/new/", views.stay_new, name="stay_new"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
]
