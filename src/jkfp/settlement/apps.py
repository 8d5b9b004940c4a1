from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "jkfp.settlement"
    label = "settlement"
    verbose_name = "结算"

    def ready(self) -> None:
        from jkfp.health import timeline

        from .timeline import entries

        timeline.register(entries)  # the platform's records in the person's health timeline
