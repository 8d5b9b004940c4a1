from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jkfp.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check of the kinds file)
