from django.urls import path

from . import views

app_name = "facilities"
urlpatterns = [
    path("facilities/", views.institution_list, name="institution_list"),
    path("facilities/export.xlsx", views.institution_export, name="institution_export"),
    path("facilities/new/", views.institution_new, name="institution_new"),
    path("facilities/<int:pk>/", views.institution_detail, name="institution"),
    path("facilities/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("facilities/<int:pk>/posts/", views.post_add, name="post_add"),
    path("facilities/<int:pk>/departments/", views.department_add, name="department_add"),
    path("facilities/<int:pk>/coverages/", views.coverage_add, name="coverage_add"),
    path("facilities/<int:pk>/village-services/", views.village_service_add,
         name="village_service_add"),
    path("facilities/<int:pk>/<str:what>/<int:item>/end/", views.end, name="end"),
    path("facilities/staff/", views.staff_list, name="staff_list"),
    path("facilities/staff/export.xlsx", views.staff_export, name="staff_export"),
    path("facilities/staff/new/", views.staff_new, name="staff_new"),
    path("facilities/staff/<int:pk>/", views.staff_detail, name="staff"),
    path("facilities/gaps/", views.gap_list, name="gap_list"),
    path("facilities/gaps/export.xlsx", views.gap_export, name="gap_export"),
]
