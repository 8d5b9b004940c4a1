from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "jkfp.health"
    label = "health"
    verbose_name = "健康服务"
