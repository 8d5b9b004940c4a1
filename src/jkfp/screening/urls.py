from django.urls import path

from . import views

app_name = "screening"
urlpatterns = [
    path("screening/", views.campaign_list, name="campaign_list"),
    path("screening/export/", views.campaign_export, name="campaign_export"),
    path("screening/new/", views.campaign_new, name="campaign_new"),
    path("screening/worklist/", views.worklist, name="worklist"),
    path("screening/worklist/export/", views.worklist_export, name="worklist_export"),
    path("screening/<int:pk>/", views.campaign_detail, name="campaign"),
    path("screening/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("screening/<int:pk>/coverage/export/", views.coverage_export, name="coverage_export"),
    path("screening/<int:pk>/targets/", views.campaign_targets, name="targets"),
    path("screening/<int:pk>/targets/record/", views.campaign_targets_record,
         name="targets_record"),
    path("screening/<int:pk>/targets/export/", views.targets_export, name="targets_export"),
    path("screening/<int:pk>/persons/<int:person_pk>/result/", views.result_new,
         name="result_new"),
    path("screening/results/<int:pk>/", views.result_detail, name="result"),
    path("screening/results/<int:pk>/<str:step>/", views.result_step, name="result_step"),
]
