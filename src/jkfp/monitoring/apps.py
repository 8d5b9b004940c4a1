from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jkfp.monitoring"
    label = "monitoring"
    verbose_name = "监测预警"

    def ready(self) -> None:
        from . import checks, handlers  # noqa: F401  (system check; incremental checks)

        handlers.connect()
