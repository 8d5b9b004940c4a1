"""System check (`jkfp check`, before `runserver`/`migrate`): the disease catalogs are valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import catalog


@register()
def catalog_files_valid(app_configs, **kwargs):
    try:
        catalog.catalog()
    except ValidationErrors as exc:
        return [Error(e.message, hint="见 docs/catalogs.md", id="jkfp.E003") for e in exc.errors]
    return []
