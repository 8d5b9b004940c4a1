from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jkfp.registry"
    label = "registry"
    verbose_name = "人员与家庭登记"

    def ready(self) -> None:
        from . import summaries  # noqa: F401  (registers the registry's summary definitions)
