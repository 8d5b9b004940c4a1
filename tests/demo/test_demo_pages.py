"""Every demo account (README) logs in with the printed password and every main page answers,
on the data `make demo` generates: what a new user tries first must never break."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from jkfp.admission import selectors as admission_selectors
from jkfp.demo.accounts import ACCOUNTS, PASSWORD
from jkfp.health.models import ChronicRegistration
from jkfp.registry import selectors
from jkfp.settlement.models import Statement


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_data", "--persons", "1500", "--seed", "3")


@pytest.mark.parametrize("account", [a.username for a in ACCOUNTS])
def test_demo_account_pages(demo, account):
    from jkfp.accounts.models import User

    c = Client()
    r = c.post("/login/", {"username": account, "password": PASSWORD})
    assert r.status_code == 302, account  # through the login form (and django-axes)
    user = User.objects.get(username=account)
    pages = ["/", "/households/", "/households/?category=lifted_out", "/todo/", "/requests/",
             "/households/export.xlsx"]
    hh = selectors.household_list(user=user).first()
    if hh is not None:
        pages += [f"/households/{hh.pk}/", f"/persons/{hh.head_id}/",
                  f"/persons/{hh.head_id}/statements/"]
        for cr in admission_selectors.change_request_list(user=user)[:2]:
            pages.append(f"/requests/{cr.pk}/")
    st = Statement.objects.filter(region_code__startswith=user.region_code).first()
    if st is not None:
        pages.append(f"/statements/{st.pk}/")
    # a patient with the demo's health records (registration, follow-ups, contracts)
    reg = ChronicRegistration.objects.filter(region_code__startswith=user.region_code,
                                             followups__isnull=False).first()
    if reg is not None:
        pages.append(f"/persons/{reg.person_id}/")
    for url in pages:
        assert c.get(url).status_code == 200, (account, url)
    assert c.get("/api/v1/me").status_code == 200
