"""Pages of the warnings (监测预警): the worklist of the user's role and department, the list with
filters, a warning's page (evidence, steps, the forms of the next allowed steps) and the pushes
with their Excel in the format each recipient receives."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts.access import COUNTY_LEN, TOWNSHIP_LEN, level_length, scope_prefix
from jkfp.accounts.models import Department
from jkfp.errors import DomainError
from jkfp.regions.selectors import region_names, region_options
from jkfp.web.forms import call_service
from jkfp.web.http import Head, head, paginate

from . import evidence as evidence_mod
from . import export, rules, selectors, services
from .forms import FilterForm, StepForm
from .models import WarningStatus
from .rulefiles import load_rules_file, rule_files, rules_for

STEP_LABELS = {"found": "发现", "request_decided": "纳入申请审定",
               **{n: s.label for n, s in rules.STEPS.items()}}


def worklist_kind(user) -> str:
    """Which worklist the user's home shows: township, civil affairs, county or city."""
    level = level_length(user)
    if user.department in (Department.CIVIL_AFFAIRS, Department.MEDICAL_INSURANCE):
        return "confirmed"
    if level >= TOWNSHIP_LEN:
        return "township"
    if level == COUNTY_LEN:
        return "county"
    return "city"


def _rule_names(counties) -> dict[str, str]:
    """Rule id → name in the rule files of these counties (a county without one: none)."""
    out: dict[str, str] = {}
    for county in sorted(set(counties)):
        try:
            out.update({r.id: r.name for r in rules_for(county).rules})
        except DomainError:
            pass
    return out


def _labelled(rows: list) -> list:
    """The rule's name and the village's name beside each warning of a table (no bare codes)."""
    names = region_names(codes={w.region_code for w in rows})
    rule_names = _rule_names(w.region_code[:COUNTY_LEN] for w in rows)
    for w in rows:
        w.rule_label = rule_names.get(w.rule_id) or export.rule_name(w)
        w.region_label = names.get(w.region_code, w.region_code)
    return rows


#: rows of each worklist on the warnings' home page; the page says when there are more
WORKLIST_ROWS = 200


def _worklist(qs, **filters) -> Head:
    """A worklist's first rows, labelled, and a link to the whole list with the same filter
    (none for a list that no single filter gives)."""
    url = f"{reverse('monitoring:list')}?{urlencode(filters)}" if filters else ""
    rows = head(qs, limit=WORKLIST_ROWS, url=url)
    _labelled(rows.items)
    return rows


@login_required
def home(request):
    user = request.user
    kind = worklist_kind(user)
    ctx: dict = {"kind": kind, "counts": selectors.overview_counts(user=user)}
    if kind == "township":
        ctx["to_verify"] = _worklist(selectors.township_to_verify(user=user),
                                     status=WarningStatus.PUSHED.value)
        ctx["in_hand"] = _worklist(selectors.township_in_hand(user=user))
    elif kind == "confirmed":
        ctx["confirmed"] = _worklist(selectors.confirmed_waiting(user=user),
                                      status=WarningStatus.CONFIRMED.value)
    elif kind == "county":
        rows = selectors.overdue_by_township(user=user)
        names = region_names(codes=[r["township"] for r in rows])
        ctx["by_township"] = [(r["township"], names.get(r["township"], r["township"]), r["n"])
                              for r in rows]
        ctx["overdue"] = _worklist(selectors.overdue_list(user=user), overdue="on")
    else:
        rows = selectors.counts_by_county_and_rule(user=user)
        names = region_names(codes={r["county"] for r in rows})
        rule_names = _rule_names(r["county"] for r in rows)
        ctx["by_county"] = [{**r, "name": names.get(r["county"], r["county"]),
                             "rule_name": rule_names.get(r["rule_id"], r["rule_id"])}
                            for r in rows]
    ctx["today"] = timezone.localdate()
    return render(request, "monitoring/home.html", ctx)


def _rule_choices(user) -> list[tuple[str, str]]:
    """(id, name) of every rule in the rule files that apply somewhere in the user's scope
    (a province's file and its counties' own), by name."""
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    names: dict[str, str] = {}
    for path in rule_files():
        if path.stem.startswith(prefix) or prefix.startswith(path.stem):
            names.update({r.id: r.name for r in load_rules_file(path).rules})
    return sorted(names.items(), key=lambda kv: (kv[1], kv[0]))


@login_required
def warning_list(request):
    user = request.user
    form = FilterForm(request.GET, rules=_rule_choices(user),
                      regions=region_options(user=user, include=request.GET.get("region", "")))
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.warning_list(user=user, status=data.get("status", ""),
                                rule_id=data.get("rule", ""), region_code=data.get("region", ""),
                                overdue=bool(data.get("overdue")))
    page = paginate(qs, number=data.get("page"), params=request.GET.dict())
    page.items = _labelled(list(page.items))
    return render(request, "monitoring/list.html", {"form": form, "page": page,
                                                    "today": timezone.localdate()})


def _page(request, pk: int, *, bound: StepForm | None = None, status: int = 200):
    user = request.user
    w = selectors.warning_get(user=user, pk=pk)
    forms = []
    for s in rules.steps_allowed(user=user, warning=w):
        form = bound if bound is not None and bound.data.get("step") == s.name else StepForm(
            initial={"step": s.name, "version": w.version, "on_date": timezone.localdate(),
                     "visited_on": timezone.localdate(),
                     "visited_by": user.get_full_name() or user.username,
                     "consent_on": w.verified_on})
        if s.name == "act":
            form.fields["action_kind"].choices = [("", "—")] + [
                (k, lbl) for k, lbl in form.fields["action_kind"].choices
                if k in rules.actions_allowed(user)]
        forms.append((s, form, [form[f] for f in StepForm.FIELDS[s.name]]))
    return render(request, "monitoring/detail.html", {
        "w": w, "steps": selectors.warning_steps(user=user, warning=w), "forms": forms,
        "evidence": evidence_mod.rows(w.evidence),
        "items": evidence_mod.items(w.evidence),
        "overdue": w.status in selectors.NOT_VERIFIED and w.due_on < timezone.localdate(),
        "step_labels": STEP_LABELS, "status_labels": dict(WarningStatus.choices),
        "department_labels": rules.DEPARTMENT_LABELS,
        "rule_name": export.rule_name(w),
    }, status=status)


@login_required
def warning_detail(request, pk: int):
    return _page(request, pk)


def _call(user, w, d):
    step = d["step"]
    common = {"user": user, "warning": w, "expected_version": d["version"]}
    if step == "verify":
        return services.warning_verify(**common, visited_on=d["visited_on"],
                                       visited_by=d["visited_by"], findings=d["findings"])
    if step == "confirm":
        return services.warning_confirm(**common, on_date=d["on_date"], reason=d["reason"])
    if step == "dismiss":
        return services.warning_dismiss(**common, on_date=d["on_date"], reason=d["reason"])
    if step == "act":
        return services.warning_act(**common, on_date=d["on_date"],
                                    action_kind=d["action_kind"], category=d["category"],
                                    consent_on=d["consent_on"], action_ref=d["action_ref"],
                                    measure_kind=d["measure_kind"] or "medical",
                                    description=d["description"])
    if step == "close":
        return services.warning_close(**common, on_date=d["on_date"], comment=d["comment"])
    rules.require_step(user=user, warning=w, step=step)  # names the refusal
    return None


@login_required
@require_POST
def warning_step(request, pk: int):
    w = selectors.warning_get(user=request.user, pk=pk)
    out = call_service(StepForm(request.POST), lambda d: _call(request.user, w, d),
                       current_version=lambda: selectors.warning_get(user=request.user,
                                                                     pk=pk).version)
    if out.ok:
        label = STEP_LABELS.get(out.form.cleaned_data["step"], "")
        messages.success(request, _("已办理：%(s)s") % {"s": _(label)})
        return redirect("monitoring:warning", pk=pk)
    if out.conflict:
        messages.error(request, out.conflict)
    step = out.form.data.get("step")
    if step not in {s.name for s in rules.steps_allowed(user=request.user, warning=w)}:
        # a step that has no form on the page (out of order, another department): say why
        for errs in out.form.errors.values():
            for e in errs:
                messages.error(request, e)
    return _page(request, pk, bound=out.form, status=out.status)


# ---------------------------------------------------------------- pushes
#: the latest pushes shown; the page says when there are more
PUSH_ROWS = 300


@login_required
def push_list(request):
    pushes = head(selectors.push_scope(user=request.user), limit=PUSH_ROWS)
    return render(request, "monitoring/pushes.html", {
        "pushes": pushes, "labels": export.RECIPIENT_LABELS,
        "names": region_names(codes={p.region_code for p in pushes})})


@login_required
def push_export(request, pk: int):
    push = selectors.push_get(user=request.user, pk=pk)
    tmp = export.push_write(user=request.user, push=push,
                            warnings=selectors.push_warnings(user=request.user, push=push),
                            path=request.path)
    return FileResponse(tmp, as_attachment=True,
                        filename=f"warnings-{push.department}-{push.region_code}-"
                                 f"{push.pushed_on:%Y%m%d}.xlsx", content_type=export.XLSX)
