"""Set-based writes of facilities and staff for the data-exchange lists (decision 79),
re-exported by `facilities.services`: institutions with the villages they serve, staff with
their posts, and the undo of an import. Each runs in the caller's transaction (the batch's
apply or undo), writes with history (the acting user, the batch as the reason), recomputes
the gaps of every county it touched (`gaps.refresh_gaps`, so the gap list is never behind its
records) and publishes `FACILITY_CHANGED` after commit. The rules of each row are checked by
the list's plan with the same checks the single-record services use (`institution_check`,
`village_check`, `post_overlap`), before anything is written.

An undo writes `void = True` on what the batch created (nothing is deleted; every list, the
gaps and the indicators leave void records out) and restores the values it changed."""

from __future__ import annotations

import datetime as dt

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp.accounts.access import require_health_writer
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode
from jkfp.events import Event, publish

from .gaps import refresh_gaps
from .models import Coverage, Institution, Post, Staff

INSTITUTION_IMPORT_FIELDS = ("name", "opened_on", "closed_on", "grade", "is_tcm",
                             "second_grade_capacity", "centre_standard", "tcm_corner",
                             "fever_clinic", "standardised")
POST_IMPORT_FIELDS = ("end_date", "full_time", "department_id")
STAFF_IMPORT_FIELDS = ("qualification", "certificate_number")


def _json(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _refresh(counties: set[str]) -> None:
    for county in sorted(counties):
        refresh_gaps(county)
        publish(Event.FACILITY_CHANGED, county_code=county)


def _update(model, fields, updates: dict[int, dict], user: User, reason: str) -> list[dict]:
    """Set `updates` (pk → values of `fields`) with history; the values before."""
    if not updates:
        return []
    objs = list(model.objects.select_for_update().filter(pk__in=list(updates)))
    befores = []
    for o in objs:
        befores.append({"id": o.pk, **{n: _json(getattr(o, n)) for n in fields}})
        for name, value in updates[o.pk].items():
            if name not in fields:
                raise ValueError(name)
            setattr(o, name, value)
        if hasattr(o, "version"):
            o.version += 1
    extra = ["version"] if hasattr(model, "version") else []
    bulk_update_with_history(objs, model, [*fields, *extra], default_user=user,
                             default_change_reason=reason)
    return befores


def institutions_import(*, user: User, reason: str, creates: list[dict],
                        updates: dict[int, dict], coverages: list[dict]
                        ) -> tuple[list[Institution], list[dict], list[Coverage]]:
    """Create institutions (field values, `kind` and `region_code` included), update others
    (pk → INSTITUTION_IMPORT_FIELDS) and add coverages (`institution_id`, or `new` — the index
    of an institution in `creates` —, `village_code`, `start_date`)."""
    require_health_writer(user)
    made = bulk_create_with_history([Institution(created_by=user, **v) for v in creates],
                                    Institution, default_user=user,
                                    default_change_reason=reason)
    befores = _update(Institution, INSTITUTION_IMPORT_FIELDS, updates, user, reason)
    covs = [Coverage(institution_id=c.get("institution_id") or made[c["new"]].pk,
                     village_code=c["village_code"], start_date=c["start_date"])
            for c in coverages]
    covs = bulk_create_with_history(covs, Coverage, default_user=user,
                                    default_change_reason=reason)
    counties = {i.region_code[:6] for i in made}
    counties |= {r[:6] for r in Institution.objects.filter(pk__in=[
        *updates, *(c.institution_id for c in covs)]).values_list("region_code", flat=True)}
    _refresh(counties)
    return made, befores, covs


def staff_posts_import(*, user: User, reason: str, staff_creates: list[dict],
                       staff_updates: dict[int, dict], posts: list[dict],
                       post_updates: dict[int, dict]
                       ) -> tuple[list[Staff], list[dict], list[Post], list[dict]]:
    """Create staff (field values), update staff (pk → STAFF_IMPORT_FIELDS), create posts
    (`staff_id` or `new` — an index in `staff_creates` —, `institution_id`, `region_code`,
    `department_id`, `full_time`, `start_date`, `end_date`) and update posts (pk →
    POST_IMPORT_FIELDS)."""
    require_health_writer(user)
    made = bulk_create_with_history([Staff(created_by=user, **v) for v in staff_creates],
                                    Staff, default_user=user, default_change_reason=reason)
    staff_befores = _update(Staff, STAFF_IMPORT_FIELDS, staff_updates, user, reason)
    new_posts = []
    for p in posts:
        values = {k: v for k, v in p.items() if k not in ("new", "staff_id")}
        new_posts.append(Post(staff_id=p.get("staff_id") or made[p["new"]].pk, **values))
    new_posts = bulk_create_with_history(new_posts, Post, default_user=user,
                                         default_change_reason=reason)
    post_befores = _update(Post, POST_IMPORT_FIELDS, post_updates, user, reason)
    counties = {p.region_code[:6] for p in new_posts}
    counties |= {r[:6] for r in Post.objects.filter(pk__in=list(post_updates)).values_list(
        "region_code", flat=True)}
    counties |= {r[:6] for r in Post.objects.filter(staff_id__in=list(staff_updates))
                 .values_list("region_code", flat=True)}
    _refresh(counties)
    return made, staff_befores, new_posts, post_befores


_MODELS = {"facilities.Institution": Institution, "facilities.Staff": Staff,
           "facilities.Post": Post, "facilities.Coverage": Coverage}
_FIELDS = {Institution: INSTITUTION_IMPORT_FIELDS, Staff: STAFF_IMPORT_FIELDS,
           Post: POST_IMPORT_FIELDS, Coverage: ()}
_DATES = {"opened_on", "closed_on", "end_date", "start_date"}


def facilities_import_undo(*, user: User, reason: str, created: dict[str, list[int]],
                           changed: dict[str, dict[int, dict]]) -> int:
    """Void what an import created (model label → pks) and restore what it changed (model
    label → pk → the values before). Refused, naming the record, when a post entered since
    (by hand or by another batch) hangs on an institution or a person to be voided."""
    require_health_writer(user)
    void_posts = set(created.get("facilities.Post", []))
    inst_ids = created.get("facilities.Institution", [])
    staff_ids = created.get("facilities.Staff", [])
    later = (Post.objects.filter(void=False).exclude(pk__in=void_posts)
             .filter(institution_id__in=inst_ids) | Post.objects.filter(void=False)
             .exclude(pk__in=void_posts).filter(staff_id__in=staff_ids))
    blocker = later.select_related("institution", "staff").first()
    if blocker is not None:
        raise DomainError(ErrorCode.IMPORT_BATCH_STATE,
                          f"“{blocker.institution.name}”的人员“{blocker.staff.name}”"
                          f"（{blocker.start_date} 到岗）是此批次之后登记的，须先处理该岗位才能撤销此批次")
    counties: set[str] = set()
    n = 0
    for label, pks in created.items():
        model = _MODELS[label]
        objs = list(model.objects.select_for_update().filter(pk__in=pks))
        for o in objs:
            o.void = True
        bulk_update_with_history(objs, model, ["void"], default_user=user,
                                 default_change_reason=reason)
        n += len(objs)
        counties |= {_county_of(o) for o in objs}
    for label, befores in changed.items():
        model = _MODELS[label]
        values = {pk: {k: (dt.date.fromisoformat(v) if k in _DATES and v else v)
                       for k, v in before.items() if k != "id"} for pk, before in befores.items()}
        _update(model, _FIELDS[model], values, user, reason)
        n += len(values)
        counties |= {_county_of(o) for o in model.objects.filter(pk__in=list(values))}
    _refresh({c for c in counties if c})
    return n


def _county_of(o) -> str:
    if isinstance(o, Coverage):
        return o.village_code[:6]
    return (o.region_code or "")[:6]
