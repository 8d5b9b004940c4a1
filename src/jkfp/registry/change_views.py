"""Pages of the household changes: the household's 户籍变动 page (a new head, a split, a merge,
the end) and a member's move page. Each view validates a form, calls one service and renders;
a record outside the user's region is a 404 (the selectors), a stale form keeps what the user
typed and says so (409), other refusals show the service's message beside the field (422)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.errors import DomainError, ErrorCode
from jkfp.regions import selectors as region_selectors

from . import changes, restructure, selectors
from .change_forms import (
    EndForm,
    HeadChangeForm,
    MergeForm,
    MoveForm,
    SplitForm,
    field_map,
    relations_of,
)
from .models import Household
from .web_util import call_with_conflict

FORMS = ("head", "split", "merge", "end")


def _target(user, number: str, field: str) -> Household:
    """A household of the user's region by its number (the refusal names the field)."""
    hh = selectors.household_scope(user=user).filter(household_number=number.strip()).first()
    if hh is None:
        raise DomainError(
            ErrorCode.INVALID,
            _("您的管辖区域内没有户编号为“%(n)s”的家庭户") % {"n": number},
            field=field,
        )
    return hh


def _page(request, pk: int, *, bound: dict | None = None, status: int = 200, conflict: str = ""):
    user = request.user
    if not access.can_write(user):
        raise PermissionDenied(_("您的角色为只读，不能办理户籍变动"))
    d = selectors.household_detail(user=user, pk=pk, with_history=False)
    hh = d.household
    bound = bound or {}
    kw = {"household": hh, "members": d.members}
    villages = region_selectors.village_choices(user=user)
    forms = {
        "head": bound.get("head") or HeadChangeForm(initial={"version": hh.version}, **kw),
        "split": bound.get("split")
        or SplitForm(initial={"version": hh.version}, villages=villages, **kw),
        "merge": bound.get("merge") or MergeForm(initial={"version": hh.version}, **kw),
        "end": bound.get("end") or EndForm(initial={"version": hh.version}),
    }
    return render(
        request,
        "registry/household_changes.html",
        {
            "d": d,
            "hh": hh,
            "forms": forms,
            "open": dict.fromkeys(bound, True),
            "conflict": conflict,
            "can_review": access.can_review_registry(user),
        },
        status=status,
    )


def _hh_url(pk: int) -> str:
    return reverse("registry:household", args=[pk])


@login_required
def household_changes(request, pk: int):
    return _page(request, pk)


def _post(request, pk: int, name: str, form_class, call, done, *, prefix: str = ""):
    user = request.user
    d = selectors.household_detail(user=user, pk=pk, with_history=False)
    kw = {"household": d.household, "members": d.members}
    if name == "split":
        kw["villages"] = region_selectors.village_choices(user=user)
    if name == "end":
        kw = {}
    form = form_class(request.POST, **kw)
    out = call_with_conflict(
        lambda data: form_class(data, **kw),
        request.POST,
        lambda data: call(d.household, data),
        current_version=lambda: selectors.household_get(user=user, pk=pk).version,
        field_map=field_map(prefix, getattr(form, "relation_members", [])) if prefix else None,
    )
    if out.ok:
        url, message = done(out.result)
        messages.success(request, message)
        return redirect(url)
    return _page(request, pk, bound={name: out.form}, status=out.status, conflict=out.conflict)


@login_required
@require_POST
def household_head_change(request, pk: int):
    user = request.user

    def call(hh, data):
        head = selectors.person_get(user=user, pk=int(data["new_head"]))
        relations = relations_of(data, "rel_")
        relations.pop(head.pk, None)  # the new head's own choice is not asked (the page says so)
        return changes.household_head_change(
            user=user,
            household=hh,
            expected_version=data["version"],
            new_head=head,
            reason=data["reason"],
            note=data["note"],
            relations=relations,
        )

    return _post(
        request,
        pk,
        "head",
        HeadChangeForm,
        call,
        lambda hh: (_hh_url(pk), _("已变更户主为 %(n)s") % {"n": hh.head.name}),
        prefix="rel_",
    )


@login_required
@require_POST
def household_split(request, pk: int):
    user = request.user

    def call(hh, data):
        return restructure.household_split(
            user=user,
            household=hh,
            expected_version=data["version"],
            members=relations_of(data, "split_"),
            split_on=data["split_on"],
            reason=data["reason"],
            household_number=data["household_number"],
            village_code=data["village"],
            address=data["address"],
        )

    return _post(
        request,
        pk,
        "split",
        SplitForm,
        call,
        lambda new: (_hh_url(new.pk), _("已分户，新户户编号 %(n)s") % {"n": new.household_number}),
        prefix="split_",
    )


@login_required
@require_POST
def household_merge(request, pk: int):
    user = request.user

    def call(hh, data):
        into = _target(user, data["into"], "into")
        return restructure.household_merge(
            user=user,
            household=hh,
            expected_version=data["version"],
            into=into,
            into_version=into.version,
            relations=relations_of(data, "merge_"),
            merged_on=data["merged_on"],
            reason=data["reason"],
        )

    return _post(
        request,
        pk,
        "merge",
        MergeForm,
        call,
        lambda target: (
            _hh_url(target.pk),
            _("已合户，并入 %(n)s") % {"n": target.household_number},
        ),
        prefix="merge_",
    )


@login_required
@require_POST
def household_end(request, pk: int):
    user = request.user

    def call(hh, data):
        return restructure.household_end(
            user=user,
            household=hh,
            expected_version=data["version"],
            ended_on=data["ended_on"],
            reason=data["reason"],
        )

    return _post(
        request,
        pk,
        "end",
        EndForm,
        call,
        lambda hh: (_hh_url(pk), _("家庭户 %(n)s 已注销") % {"n": hh.household_number}),
    )


# ================================================================ a member moves
@login_required
def person_move(request, pk: int):
    user = request.user
    if not access.can_write(user):
        raise PermissionDenied(_("您的角色为只读，不能办理户籍变动"))
    person = selectors.person_get(user=user, pk=pk)
    hh = selectors.household_get(user=user, pk=person.household_id)
    status, conflict = 200, ""
    if request.method == "POST":

        def call(data):
            to = _target(user, data["to_household"], "to_household")
            return changes.person_move(
                user=user,
                person=person,
                expected_version=data["version"],
                to_household=to,
                relation=data["relation"],
                moved_on=data["moved_on"],
                reason=data["reason"],
            )

        out = call_with_conflict(
            lambda data: MoveForm(data),
            request.POST,
            call,
            current_version=lambda: selectors.person_get(user=user, pk=pk).version,
        )
        if out.ok:
            messages.success(
                request,
                _("%(p)s 已迁入家庭户 %(n)s")
                % {"p": person.name, "n": out.result.household.household_number},
            )
            return redirect(reverse("registry:person", args=[pk]))
        form, status, conflict = out.form, out.status, out.conflict
    else:
        form = MoveForm(initial={"version": person.version})
    return render(
        request,
        "registry/person_move.html",
        {
            "p": person,
            "hh": hh,
            "form": form,
            "conflict": conflict,
            "head_leaves": hh.head_id == person.pk,
        },
        status=status,
    )
