"""The registry in the Django admin: scoped to the administrator's region, masked, read-only."""

from __future__ import annotations

from jkfp.accounts.models import Role


def test_admin_open_to_administrators_and_scoped(make_user, client_as, household,
                                                 foreign_households):
    admin = make_user("640323100", Role.ADMIN, username="t_admin", is_staff=True)
    c = client_as(admin)
    assert c.get("/admin/").status_code == 200
    page = c.get("/admin/registry/household/").content.decode()
    assert household.household_number in page
    assert foreign_households["same_township"].household_number in page
    assert foreign_households["other_township"].household_number not in page
    assert foreign_households["changzhi"].household_number not in page
    persons = c.get("/admin/registry/person/").content.decode()
    assert household.head.id_number not in persons  # masked in the admin too
    # registry records are read-only in the admin: writes go through the services
    assert c.get("/admin/registry/household/add/").status_code == 403
