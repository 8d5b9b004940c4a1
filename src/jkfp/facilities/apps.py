from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "jkfp.facilities"
    label = "facilities"
    verbose_name = "医疗机构与人员"

    def ready(self) -> None:
        # the system check of the gap rules file; the predicates of the indicators (58a)
        from . import checks, indicators  # noqa: F401
