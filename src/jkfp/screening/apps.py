from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "jkfp.screening"
    label = "screening"
    verbose_name = "疾病筛查"
