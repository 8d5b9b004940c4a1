from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "jkfp.contracts"
    label = "contracts"
    verbose_name = "家庭医生签约服务"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check of the standards file)
