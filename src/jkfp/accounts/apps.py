from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jkfp.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from django.db.models.signals import post_save, pre_save

        from .models import User

        def skip_login_stamp(sender, instance, update_fields=None, **kwargs):
            """A login stamps `last_login` (and may re-hash the password with the current hasher):
            no change of the account for its history, which never copies these two fields."""
            if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
                instance.skip_history_when_saving = True

        def clear_skip(sender, instance, **kwargs):
            instance.__dict__.pop("skip_history_when_saving", None)

        pre_save.connect(
            skip_login_stamp, sender=User, dispatch_uid="jkfp.accounts.login_stamp", weak=False
        )
        post_save.connect(
            clear_skip, sender=User, weak=False, dispatch_uid="jkfp.accounts.login_stamp_done"
        )
