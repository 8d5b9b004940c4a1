from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jkfp.web"
    label = "web"
