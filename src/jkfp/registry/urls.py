from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/export.xlsx", views.household_export, name="household_export"),
    path("households/new/", views.household_register, name="household_register"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/address/", views.household_edit_address, name="household_address"),
    path("households/<int:pk>/members/", views.household_add_member, name="household_member"),
    path("households/<int:pk>/incomes/", views.household_record_income, name="household_income"),
    path("households/<int:pk>/measures/", views.household_add_measure, name="household_measure"),
    path("households/<int:pk>/requests/", views.household_propose, name="household_propose"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/death/", views.person_record_death, name="person_death"),
]
