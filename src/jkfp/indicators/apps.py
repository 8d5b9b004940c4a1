from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jkfp.indicators"
    label = "indicators"
    verbose_name = "指标"

    def ready(self) -> None:
        from . import checks, literacy, predicates, predicates_yearly, services  # noqa: F401  (register predicates, checks)

        services.subscribe_events()
