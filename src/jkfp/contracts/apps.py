from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "jkfp.contracts"
    label = "contracts"
    verbose_name = "家庭医生签约服务"
