"""factory_boy factories shared by the tests. They build valid data through the models;
tests of behaviour call the services."""

from __future__ import annotations

import datetime as dt

import factory

from jkfp.accounts.models import Department, Role, User
from jkfp.registry import idnumber
from jkfp.registry.models import Household, Person, Relation
from jkfp.summaries.services import summary_apply

_issued: dict[tuple[str, dt.date, str], int] = {}


def make_id(county: str = "640323", birth: dt.date = dt.date(1970, 5, 17), sex: str = "M") -> str:
    """A valid ID number of `county`, born on `birth` (always that date) and of `sex`.

    The three sequence digits count the numbers made for the same county, birth date and sex
    since the test began (`reset_id_numbers`, autouse in tests/conftest.py): a test gets the
    same numbers whatever ran before it, and distinct ones within it (odd sequences are men's,
    even ones women's, as in GB 11643)."""
    key = (county, birth, sex)
    n = _issued.get(key, 0) + 1
    if n > 499:
        raise ValueError(f"make_id: more than 499 ID numbers of {key} in one test; "
                         "pass other birth dates")
    _issued[key] = n
    return idnumber.make(county, birth, 2 * n + (1 if sex == "M" else 0))


def reset_id_numbers() -> None:
    """Start every test afresh: make_id's counts and the factories' sequences."""
    _issued.clear()
    for f in (UserFactory, HouseholdFactory, PersonFactory, TeamFactory, TeamMemberFactory):
        f.reset_sequence()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-1234-word")
    department = Department.HEALTH
    role = Role.DATA_ENTRY
    region_id = "640323"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    household_number = factory.Sequence(lambda n: f"HH{n:08d}")
    village_id = "640323100201"
    region_code = factory.SelfAttribute("village_id")
    address = "演示地址"

    @factory.post_generation
    def with_head(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        head = PersonFactory(household=self, relation=Relation.HEAD)
        self.head = head
        self.save(update_fields=["head"])


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory, with_head=False)
    name = factory.Sequence(lambda n: f"测试{n}")
    id_number = factory.LazyAttribute(lambda o: make_id(o.household.region_code[:6]))
    id_rev = factory.LazyAttribute(lambda o: o.id_number[::-1])
    sex = factory.LazyAttribute(lambda o: idnumber.parse(o.id_number).sex)
    birth_date = factory.LazyAttribute(lambda o: idnumber.parse(o.id_number).birth_date)
    relation = Relation.CHILD
    region_code = factory.SelfAttribute("household.region_code")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # the summaries move with every person written, as the services do (decision 25)
        person = super()._create(model_class, *args, **kwargs)
        summary_apply(person)
        return person


# ---------------------------------------------------------------- health and contracts
class ChronicRegistrationFactory(factory.django.DjangoModelFactory):
    """A chronic registration written directly (tests of the services that build on it)."""

    class Meta:
        model = "health.ChronicRegistration"

    person = factory.SubFactory(PersonFactory)
    region_code = factory.SelfAttribute("person.region_code")
    disease_code = "hypertension"
    icd10 = "I10"
    diagnosed_on = dt.date(2020, 3, 1)
    confirmed_by = "县人民医院"
    registered_on = factory.SelfAttribute("diagnosed_on")
    created_by = factory.SubFactory(UserFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contracts.Team"

    name = factory.Sequence(lambda n: f"家庭医生团队{n}")
    region_code = "640323100"
    institution = "花马池镇卫生院"
    created_by = factory.SubFactory(UserFactory)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contracts.TeamMember"

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"医生{n}")
    role = "village_doctor"
    start_date = dt.date(2020, 1, 1)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contracts.Contract"

    person = factory.SubFactory(PersonFactory)
    region_code = factory.SelfAttribute("person.region_code")
    year = 2025
    team = factory.SubFactory(TeamFactory)
    signed_on = factory.LazyAttribute(lambda o: dt.date(o.year, 1, 2))
    created_by = factory.SubFactory(UserFactory)


class FollowUpFactory(factory.django.DjangoModelFactory):
    """A follow-up written directly (the management-status tests build histories with it)."""

    class Meta:
        model = "contracts.FollowUp"

    registration = factory.SubFactory(ChronicRegistrationFactory)
    person = factory.SelfAttribute("registration.person")
    region_code = factory.SelfAttribute("registration.region_code")
    visited_on = dt.date(2025, 3, 1)
    way = "clinic"
    member = factory.SubFactory(TeamMemberFactory)
    classification = "controlled"
    next_visit_on = factory.LazyAttribute(lambda o: o.visited_on + dt.timedelta(days=90))
    created_by = factory.SubFactory(UserFactory)
