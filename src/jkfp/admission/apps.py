from django.apps import AppConfig


class AdmissionConfig(AppConfig):
    name = "jkfp.admission"
    label = "admission"
    verbose_name = "纳入与退出"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check of the procedure file)
