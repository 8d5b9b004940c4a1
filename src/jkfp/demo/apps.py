from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jkfp.demo"
    label = "demo"
