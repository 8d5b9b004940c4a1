from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jkfp.registry"
    label = "registry"
    verbose_name = "人员与家庭登记"

    def ready(self) -> None:
        from . import checks, summaries  # noqa: F401  (the numbering file's check; summaries)
