from django.urls import path

from . import views

app_name = "admission"
urlpatterns = [
    path("todo/", views.inbox, name="inbox"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/export.xlsx", views.request_export, name="request_export"),
    path("requests/<int:pk>/notice/print/", views.request_notice_print, name="request_notice_print"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/notice/", views.request_notice, name="request_notice"),
    path("requests/<int:pk>/review/", views.request_review, name="request_review"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/attachments/", views.request_attach, name="request_attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
