from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jkfp.monitoring"
    label = "monitoring"
    verbose_name = "监测预警"

    def ready(self) -> None:
        from jkfp.events import Event, subscribe

        from . import checks, handlers, indicators, services, summaries  # noqa: F401  (system
        # check; incremental checks; indicator predicates; the overview's summaries, decision 62)

        handlers.connect()
        # a warning acted on by an admission request follows the request's decision (57c)
        subscribe(Event.REQUEST_CHANGED, services.request_changed)
