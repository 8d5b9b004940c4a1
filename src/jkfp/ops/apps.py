from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "jkfp.ops"
    label = "ops"
    verbose_name = "运维"
