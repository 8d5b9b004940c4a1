from django.urls import path

from . import views

app_name = "health"
urlpatterns = [
    path("health/", views.home, name="home"),
    path("health/cases/", views.case_list, name="case_list"),
    path("health/cases/export.xlsx", views.case_export, name="case_export"),
    path("health/cases/<int:pk>/", views.case_detail, name="case"),
    path("health/cases/<int:pk>/step/", views.case_step, name="case_step"),
    path("health/chronic/", views.registration_list, name="registration_list"),
    path("health/chronic/export.xlsx", views.registration_export, name="registration_export"),
    path("health/chronic/<int:pk>/", views.registration_detail, name="registration"),
    path("health/chronic/<int:pk>/end/", views.registration_end, name="registration_end"),
    path("persons/<int:pk>/health/", views.person_health, name="person"),
    path("persons/<int:pk>/health/summary/", views.person_summary, name="person_summary"),
    path("persons/<int:pk>/health/chronic/", views.person_chronic_new, name="person_chronic_new"),
    path("persons/<int:pk>/health/cases/", views.person_case_new, name="person_case_new"),
]
