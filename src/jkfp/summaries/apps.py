from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "jkfp.summaries"
    label = "summaries"
    verbose_name = "汇总计数"
