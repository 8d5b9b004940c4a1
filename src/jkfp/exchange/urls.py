from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("exchange/", views.batch_list, name="batch_list"),
    path("exchange/not-enrolled/", views.not_enrolled, name="not_enrolled"),
    path("exchange/not-enrolled.xlsx", views.not_enrolled_download, name="not_enrolled_xlsx"),
    path("exchange/high-self-pay/", views.high_self_pay, name="high_self_pay"),
    path("exchange/high-self-pay.xlsx", views.high_self_pay_download, name="high_self_pay_xlsx"),
    path("exchange/<int:pk>/", views.batch_detail, name="batch"),
    path("exchange/<int:pk>/rows/<int:line>/decide/", views.row_decide, name="row_decide"),
    path("exchange/<int:pk>/apply/", views.batch_apply, name="batch_apply"),
    path("exchange/<int:pk>/undo/", views.batch_undo, name="batch_undo"),
    path("exchange/<int:pk>/report.xlsx", views.batch_report, name="batch_report"),
    path("exchange/<int:pk>/two-way.xlsx", views.batch_two_way, name="batch_two_way"),
]
