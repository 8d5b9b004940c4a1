"""The follow-up visit of a chronic patient, one write (re-exported by `contracts.services`):
checked by `followup_check`, written with the registration's last and next visit in the same
transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.errors import ValidationErrors
from jkfp.events import Event, publish
from jkfp.health import services as health_services
from jkfp.health.models import ChronicRegistration
from jkfp.writes import model_create

from .followup_checks import followup_check
from .models import FollowUp, TeamMember


def followup_record(*, user: User, registration: ChronicRegistration, visited_on: dt.date,
                    way: str, member: TeamMember | None, classification: str,
                    next_visit_on: dt.date | None, systolic: int | None = None,
                    diastolic: int | None = None, fasting_glucose=None, weight_kg=None,
                    adherence: str = "", risk_level: int | None = None,
                    doses_due: int | None = None, doses_taken: int | None = None,
                    note: str = "") -> FollowUp:
    """A follow-up visit of a chronic patient by a member of the team the patient signed with;
    the registration's last and next visit move with it (same transaction)."""
    access.require_health_writer(user)
    access.require_in_scope(user, registration.region_code, field="registration")
    errors, clean = followup_check(
        registration=registration, visited_on=visited_on, way=way, member=member,
        classification=classification, next_visit_on=next_visit_on, systolic=systolic,
        diastolic=diastolic, fasting_glucose=fasting_glucose, weight_kg=weight_kg,
        adherence=adherence, risk_level=risk_level, doses_due=doses_due,
        doses_taken=doses_taken)
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        visit = model_create(
            FollowUp, user=user, registration=registration, person_id=registration.person_id,
            region_code=registration.region_code, visited_on=visited_on, way=way,
            member=member, systolic=systolic, diastolic=diastolic,
            fasting_glucose=clean["fasting_glucose"], weight_kg=clean["weight_kg"],
            adherence=adherence or "", risk_level=risk_level, doses_due=doses_due,
            doses_taken=doses_taken, classification=classification,
            next_visit_on=next_visit_on, note=(note or "")[:500], created_by=user)
        health_services.chronic_visit_noted(registration=registration, visited_on=visited_on,
                                            next_visit_on=next_visit_on, risk_level=risk_level)
        publish(Event.FOLLOWUP_RECORDED, followup_id=visit.pk,
                registration_id=registration.pk, region_code=registration.region_code)
    return visit
