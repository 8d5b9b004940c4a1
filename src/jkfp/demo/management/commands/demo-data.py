"""`jkfp demo-data`: the spelling of issue 2 for `jkfp demo_data`."""
# ruff: noqa: N999

from .demo_data import Command  # noqa: F401
