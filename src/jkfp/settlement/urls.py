from django.urls import path

from . import views, views_bureau, views_differences

app_name = "settlement"
urlpatterns = [
    path("persons/<int:pk>/statements/", views.person_statements, name="person_statements"),
    path("persons/<int:pk>/stays/new/", views.stay_new, name="stay_new"),
    path("stays/<int:pk>/correct/", views.stay_correct, name="stay_correct"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/reverse/", views.statement_reverse, name="statement_reverse"),
    path("settlement/statements/", views_bureau.bureau_list, name="bureau"),
    path("settlement/statements/export/", views_bureau.bureau_export, name="bureau_export"),
    path("settlement/differences/", views_differences.difference_report, name="differences"),
    path("settlement/differences/export/", views_differences.difference_export,
         name="differences_export"),
]
