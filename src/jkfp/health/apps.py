from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "jkfp.health"
    label = "health"
    verbose_name = "健康服务"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check of the disease catalogs)
