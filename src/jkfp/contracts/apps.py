from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "jkfp.contracts"
    label = "contracts"
    verbose_name = "家庭医生签约服务"

    def ready(self) -> None:
        from jkfp.health import timeline

        from . import checks  # noqa: F401  (registers the system check of the standards file)
        from .timeline import entries

        timeline.register(entries)  # contracts and follow-ups in the person's health timeline
