from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "jkfp.facilities"
    label = "facilities"
    verbose_name = "医疗机构与人员"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check of the gap rules file)
