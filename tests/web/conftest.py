"""Fixtures of the page tests: a logged-in Django test client per user."""

from __future__ import annotations

import pytest
from django.test import Client

from ..conftest import VILLAGE


@pytest.fixture
def client_as():
    """`client_as(user)` → a test client logged in as `user` (sessions, as a browser)."""

    def make(user) -> Client:
        c = Client()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return c

    return make


@pytest.fixture
def member(household):
    """A second member of `household` with a phone number."""
    from ..factories import PersonFactory

    return PersonFactory(household=household, region_code=VILLAGE, phone="13912345678",
                         name="张小明")
