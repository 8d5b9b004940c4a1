from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "jkfp.screening"
    label = "screening"
    verbose_name = "疾病筛查"

    def ready(self) -> None:
        from jkfp.health import timeline as health_timeline

        from . import checks  # noqa: F401  (registers the system check of the programme file)
        from .timeline import entries

        health_timeline.register(entries)
