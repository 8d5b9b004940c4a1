"""Writes of accounts."""

from __future__ import annotations

from django.db import transaction

from .models import PersonalDataAccess, User


def password_changed(*, user: User) -> None:
    """The user has set a password of their own: the initial one no longer needs replacing."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk, must_change_password=True).update(
            must_change_password=False)
    user.must_change_password = False


def data_access_log(*, user: User, person_ids, field: str, channel: str,
                    path: str = "") -> int:
    """Log that `user` was shown `field` of these persons (a health export, say): one row each,
    in one statement, as a full ID number's showing is logged. Returns the rows written."""
    rows = [PersonalDataAccess(user=user, person_id=pid, field=field, channel=channel,
                               path=path[:200]) for pid in dict.fromkeys(person_ids)]
    with transaction.atomic():
        PersonalDataAccess.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
