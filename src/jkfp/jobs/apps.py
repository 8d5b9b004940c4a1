from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule


class JobsConfig(AppConfig):
    name = "jkfp.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from . import builtin  # noqa: F401  (the example task and schedule)

        for config in apps.get_app_configs():  # each jkfp app's tasks.py registers its jobs
            if config.name.startswith("jkfp.") and module_has_submodule(config.module, "tasks"):
                import_module(f"{config.name}.tasks")
