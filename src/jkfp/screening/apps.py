from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "jkfp.screening"
    label = "screening"
    verbose_name = "疾病筛查"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check of the programme file)
