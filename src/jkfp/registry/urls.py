from django.urls import path

from . import change_views, correction_views, search_views, views

app_name = "registry"
urlpatterns = [
    path("households/", search_views.household_list, name="household_list"),
    path("households/export.xlsx", search_views.household_export, name="household_export"),
    path("households/export/job/", search_views.household_export_job,
         name="household_export_job"),
    path("households/export/<int:job_id>/", search_views.household_export_file,
         name="household_export_file"),
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
    # household changes (change_views.py) and ID corrections (correction_views.py)
    path("households/<int:pk>/changes/", change_views.household_changes,
         name="household_changes"),
    path("households/<int:pk>/changes/head/", change_views.household_head_change,
         name="household_head"),
    path("households/<int:pk>/changes/split/", change_views.household_split,
         name="household_split"),
    path("households/<int:pk>/changes/merge/", change_views.household_merge,
         name="household_merge"),
    path("households/<int:pk>/changes/end/", change_views.household_end, name="household_end"),
    path("persons/<int:pk>/move/", change_views.person_move, name="person_move"),
    path("persons/<int:pk>/identity/", correction_views.person_identity,
         name="person_identity"),
    path("corrections/", correction_views.correction_list, name="correction_list"),
    path("corrections/<int:pk>/", correction_views.correction_detail, name="correction"),
    path("corrections/<int:pk>/decide/", correction_views.correction_decide,
         name="correction_decide"),
    path("corrections/<int:pk>/withdraw/", correction_views.correction_withdraw,
         name="correction_withdraw"),
]
