from django.apps import AppConfig


class AdmissionConfig(AppConfig):
    name = "jkfp.admission"
    label = "admission"
    verbose_name = "纳入与退出"
