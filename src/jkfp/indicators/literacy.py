"""Health literacy inputs (decision 66c): survey results and health-education activities,
imported from CSV files as one transaction each, every row checked first — a score outside its
scale, a region that is not a village of the user's scope, a sample twice — and the whole file
refused with every problem named by row (Chinese, with an error code)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from jkfp.accounts.access import code_in_scope, require_health_writer, require_in_scope, scoped
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.regions.models import Region

from .definitions import Ctx, predicate
from .models import EducationActivity, LiteracyResult, LiteracySurvey
from .services import villages_mark_dirty

RESULT_COLUMNS = ("sample", "region_code", "score")
ACTIVITY_COLUMNS = ("what", "region_code", "held_on", "reached")


def _text(source: Path | bytes) -> str:
    """The file's text: UTF-8 (with or without its BOM), else GB18030 (what Excel on a Chinese
    Windows writes as "CSV")."""
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise DomainError(ErrorCode.INVALID, "文件不是 CSV 文本（UTF-8 或 GB18030 编码）",
                              field="file") from None


def _read(source: Path | bytes, columns: tuple[str, ...]) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(_text(source), newline="")))
    missing = [c for c in columns if rows and c not in rows[0]] or (
        [] if rows else list(columns))
    if missing:
        raise DomainError(ErrorCode.INVALID, f"文件缺少列：{'、'.join(missing)}（或文件为空）",
                          field="file")
    return rows


def _villages(user: User, codes: set[str]) -> set[str]:
    return {c for c in Region.objects.filter(code__in=codes, level="village").values_list(
        "code", flat=True) if code_in_scope(user, c)}


def _region_errors(user, n, code, known, errors) -> None:
    if code not in known:
        errors.append(DomainError(ErrorCode.REGION_OUT_OF_SCOPE,
                                  f"第{n}行：区划代码“{code}”不是您管辖区域内的村", field="region_code",
                                  row=n))


def literacy_import(*, user: User, year: int, region_code: str, name: str, path: Path | bytes,
                    scale_max: Decimal = Decimal(100), threshold: Decimal | None = None
                    ) -> LiteracySurvey:
    """One survey's results (columns sample, region_code, score), from a file or its bytes
    (the upload page). The threshold defaults to 80% of the full score (the national
    monitoring's rule, example until a region confirms). Health-department writers only."""
    require_health_writer(user)
    require_in_scope(user, region_code)
    name = (name or "").strip()
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "请填写调查名称", field="name")
    if not 2000 <= year <= 2100:
        raise DomainError(ErrorCode.INVALID, f"年度“{year}”无效", field="year")
    if LiteracySurvey.objects.filter(year=year, region_code=region_code, name=name).exists():
        raise DomainError(ErrorCode.INVALID, f"{year}年已导入名为“{name}”的调查：请换一个名称",
                          field="name")
    threshold = Decimal(threshold) if threshold is not None else Decimal(scale_max) * Decimal("0.8")
    if not (0 < threshold <= scale_max):
        raise DomainError(ErrorCode.INVALID, f"得分线{threshold}须在0与满分{scale_max}之间",
                          field="threshold")
    rows = _read(path, RESULT_COLUMNS)
    known = _villages(user, {(r["region_code"] or "").strip() for r in rows})
    errors: list[DomainError] = []
    seen: set[str] = set()
    results = []
    for n, r in enumerate(rows, start=2):
        sample, code = (r["sample"] or "").strip(), (r["region_code"] or "").strip()
        if not sample or sample in seen:
            errors.append(DomainError(ErrorCode.INVALID, f"第{n}行：样本编号“{sample}”为空或重复",
                                      field="sample", row=n))
        seen.add(sample)
        _region_errors(user, n, code, known, errors)
        try:
            score = Decimal((r["score"] or "").strip())
        except InvalidOperation:
            errors.append(DomainError(ErrorCode.INVALID, f"第{n}行：得分“{r['score']}”不是数字",
                                      field="score", row=n))
            continue
        if not (0 <= score <= scale_max):
            errors.append(DomainError(ErrorCode.LITERACY_SCORE_SCALE,
                                      f"第{n}行：得分{score}超出量表范围（0至{scale_max}分）",
                                      field="score", row=n))
            continue
        results.append((sample, code, score))
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        survey = LiteracySurvey.objects.create(year=year, region_code=region_code, name=name,
                                               scale_max=scale_max, threshold=threshold,
                                               created_by=user)
        LiteracyResult.objects.bulk_create(
            [LiteracyResult(survey=survey, sample=s, region_code=c, score=v)
             for s, c, v in results], batch_size=2000)
        transaction.on_commit(lambda: villages_mark_dirty(
            region_codes={c for _, c, _ in results}))
    return survey


def activities_import(*, user: User, path: Path | bytes) -> int:
    """Health-education activities (columns what, region_code, held_on, reached)."""
    require_health_writer(user)
    rows = _read(path, ACTIVITY_COLUMNS)
    known = {c for c in Region.objects.filter(code__in={(r["region_code"] or "").strip()
                                                       for r in rows}).values_list(
        "code", flat=True) if code_in_scope(user, c)}
    errors: list[DomainError] = []
    out = []
    for n, r in enumerate(rows, start=2):
        code = (r["region_code"] or "").strip()
        if code not in known:
            errors.append(DomainError(ErrorCode.REGION_OUT_OF_SCOPE,
                                      f"第{n}行：区划代码“{code}”不在您的管辖区域内",
                                      field="region_code", row=n))
        what = (r["what"] or "").strip()
        if not what:
            errors.append(DomainError(ErrorCode.REQUIRED, f"第{n}行：请填写活动内容", field="what",
                                      row=n))
        held = reached = None
        try:
            held = dt.date.fromisoformat((r["held_on"] or "").strip())
        except ValueError:
            errors.append(DomainError(ErrorCode.INVALID,
                                      f"第{n}行：日期须为 2025-03-01 的格式（“{r['held_on'] or ''}”）",
                                      field="held_on", row=n))
        try:
            reached = int((r["reached"] or "").strip())
            if reached < 0:
                raise ValueError
        except ValueError:
            errors.append(DomainError(ErrorCode.INVALID,
                                      f"第{n}行：覆盖人数“{r['reached'] or ''}”须为非负整数",
                                      field="reached", row=n))
        if held is None or reached is None:
            continue
        out.append(EducationActivity(what=what[:200], region_code=code, held_on=held,
                                     reached=reached, created_by=user))
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        EducationActivity.objects.bulk_create(out, batch_size=2000)
    return len(out)


# --- reads of the pages: the surveys and activities of the user's region ----------------

def survey_list(*, user: User):
    """The surveys filed in the user's region, each with its sample and the number at its
    threshold (counts only: respondents are sample numbers, not persons)."""
    from django.db.models import Count, F, Q

    return scoped(LiteracySurvey.objects.all(), user).annotate(
        n_sampled=Count("results"),
        n_at=Count("results", filter=Q(results__score__gte=F("threshold"))),
    ).order_by("-year", "region_code", "name")


def activity_list(*, user: User):
    return scoped(EducationActivity.objects.all(), user).order_by("-held_on", "-id")


# --- the predicates: respondents of the year's surveys, as regional units (decision 65) -----

def _respondents(ctx: Ctx, where: str = "") -> tuple[str, list]:
    r, s = LiteracyResult._meta.db_table, LiteracySurvey._meta.db_table
    return (f"SELECT r.id AS unit_id, r.region_code AS region_code, 1 AS w FROM {r} r "
            f"JOIN {s} s ON s.id = r.survey_id WHERE s.year = %s{where}", [ctx.year])


@predicate("literacy_sampled", kind="regional", unit="respondent",
           label="本年度健康素养调查的样本")
def literacy_sampled(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _respondents(ctx)


@predicate("literacy_at_threshold", kind="regional", unit="respondent",
           label="得分达到具备健康素养得分线的样本")
def literacy_at_threshold(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _respondents(ctx, " AND r.score >= s.threshold")
