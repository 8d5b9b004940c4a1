"""Writes of accounts."""

from __future__ import annotations

from django.db import transaction

from .models import User


def password_changed(*, user: User) -> None:
    """The user has set a password of their own: the initial one no longer needs replacing."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk, must_change_password=True).update(
            must_change_password=False)
    user.must_change_password = False
