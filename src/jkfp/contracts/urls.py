from django.urls import path

from . import teams, views, worklists

app_name = "contracts"
urlpatterns = [
    path("contracts/", worklists.home, name="home"),
    path("contracts/my-patients/", worklists.worklist_doctor, name="worklist_doctor"),
    path("contracts/my-patients/export.xlsx", worklists.worklist_doctor_export,
         name="worklist_doctor_export"),
    path("contracts/overdue/", worklists.worklist_overdue, name="worklist_overdue"),
    path("contracts/overdue/export.xlsx", worklists.worklist_overdue_export,
         name="worklist_overdue_export"),
    path("contracts/unsigned/", worklists.worklist_unsigned, name="worklist_unsigned"),
    path("contracts/unsigned/export.xlsx", worklists.worklist_unsigned_export,
         name="worklist_unsigned_export"),
    path("contracts/not-standard/", worklists.worklist_not_standard, name="worklist_not_standard"),
    path("contracts/not-standard/export.xlsx", worklists.worklist_not_standard_export,
         name="worklist_not_standard_export"),
    path("contracts/management/", worklists.management, name="management"),
    path("contracts/management/export.xlsx", worklists.management_export, name="management_export"),
    path("contracts/teams/", teams.team_list, name="team_list"),
    path("contracts/teams/export.xlsx", teams.team_export, name="team_export"),
    path("contracts/teams/new/", teams.team_new, name="team_new"),
    path("contracts/teams/<int:pk>/", teams.team_detail, name="team"),
    path("contracts/teams/<int:pk>/edit/", teams.team_edit, name="team_edit"),
    path("contracts/teams/<int:pk>/members/", teams.member_add, name="member_add"),
    path("contracts/members/<int:pk>/end/", teams.member_end, name="member_end"),
    path("contracts/list/", views.contract_list, name="contract_list"),
    path("contracts/list/export.xlsx", views.contract_export, name="contract_export"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract_renew"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract_end"),
    path("contracts/<int:pk>/deliveries/", views.delivery_new, name="delivery_new"),
    path("contracts/persons/<int:pk>/", views.person_contracts, name="person"),
    path("contracts/persons/<int:pk>/sign/", views.contract_sign, name="contract_sign"),
    path("contracts/registrations/<int:pk>/followup/", views.followup_new, name="followup_new"),
]
