"""Named errors of the policy engine (DESIGN.md rule 7): one enum of codes, a Chinese message each.

Two families:
- errors in a parameter folder (`PolicyError`): they name the file, the key path and, when the
  file was read from YAML, the line;
- errors in a row of stays (`RowError`): they name the line of the CSV file and the column.

Both subclass `jkfp.errors.DomainError`, so pages and the API can show them like every other
domain error. Nothing here imports Django.
"""

from __future__ import annotations

from enum import StrEnum

from jkfp.errors import DomainError


class PolicyErrorCode(StrEnum):
    # parameter files
    FILE_MISSING = "policy_file_missing"
    YAML_SYNTAX = "policy_yaml_syntax"
    DUPLICATE_KEY = "policy_duplicate_key"
    UNKNOWN_KEY = "policy_unknown_key"
    MISSING_KEY = "policy_missing_key"
    BAD_TYPE = "policy_bad_type"
    BAD_VALUE = "policy_bad_value"
    BAD_AMOUNT = "policy_bad_amount"
    RATIO_OUT_OF_RANGE = "policy_ratio_out_of_range"
    TOO_PRECISE = "policy_too_precise"
    SEGMENTS_OUT_OF_ORDER = "policy_segments_out_of_order"
    MISSING_PROVENANCE = "policy_missing_provenance"
    UNKNOWN_SOURCE = "policy_unknown_source"
    DIMENSION_INCOMPLETE = "policy_dimension_incomplete"
    DIMENSION_MIXED = "policy_dimension_mixed"
    UNIT_MISMATCH = "policy_unit_mismatch"
    DATE_GAP = "policy_date_gap"
    DATE_OVERLAP = "policy_date_overlap"
    DATE_OUTSIDE_PERIOD = "policy_date_outside_period"
    DUPLICATE_ID = "policy_duplicate_id"
    REGION_OVERLAP = "policy_region_overlap"
    OVERLAY_TARGET = "policy_overlay_target"
    # settling
    NO_REGIME = "policy_no_regime"
    # stays (CSV rows or API input)
    STAY_MISSING_COLUMN = "stay_missing_column"
    STAY_REQUIRED = "stay_required"
    STAY_BAD_AMOUNT = "stay_bad_amount"
    STAY_NEGATIVE_AMOUNT = "stay_negative_amount"
    STAY_AMOUNT_TOO_LARGE = "stay_amount_too_large"
    STAY_IN_POLICY_ABOVE_TOTAL = "stay_in_policy_above_total"
    STAY_UNKNOWN_CATEGORY = "stay_unknown_category"
    STAY_UNKNOWN_LOCATION = "stay_unknown_location"
    STAY_BAD_GRADE = "stay_bad_grade"
    STAY_BAD_BOOLEAN = "stay_bad_boolean"
    STAY_BAD_DATE = "stay_bad_date"
    STAY_DISCHARGE_BEFORE_ADMISSION = "stay_discharge_before_admission"
    STAY_BAD_COUNTY = "stay_bad_county"
    STAY_NO_REGIME = "stay_no_regime"
    STAY_DUPLICATE_ID = "stay_duplicate_id"


MESSAGES: dict[PolicyErrorCode, str] = {
    PolicyErrorCode.FILE_MISSING: "缺少文件 {what}",
    PolicyErrorCode.YAML_SYNTAX: "YAML 语法错误：{what}",
    PolicyErrorCode.DUPLICATE_KEY: "键 {what} 重复出现",
    PolicyErrorCode.UNKNOWN_KEY: "未知的键 {what}（允许：{allowed}）",
    PolicyErrorCode.MISSING_KEY: "缺少必填的键 {what}",
    PolicyErrorCode.BAD_TYPE: "类型不对：应为{expected}，得到 {what}",
    PolicyErrorCode.BAD_VALUE: "取值无效：{what}（允许：{allowed}）",
    PolicyErrorCode.BAD_AMOUNT: "金额无效：{what}（应为不小于0、最多两位小数的元）",
    PolicyErrorCode.RATIO_OUT_OF_RANGE: "比例 {what} 超出范围 {allowed}",
    PolicyErrorCode.TOO_PRECISE: "{what} 的小数位过多（比例最多精确到万分之一）",
    PolicyErrorCode.SEGMENTS_OUT_OF_ORDER: "分段表顺序不对：{what}",
    PolicyErrorCode.MISSING_PROVENANCE: "取值缺少来源：须注明 source（来源文件）或 example: true（示例值）",
    PolicyErrorCode.UNKNOWN_SOURCE: "来源 {what} 未在 regime.yaml 的 sources 中登记",
    PolicyErrorCode.DIMENSION_INCOMPLETE: "按{dimension}取值时缺少 {what}（可用 other 兜底）",
    PolicyErrorCode.DIMENSION_MIXED: "同一层不能混用不同维度的键：{what}",
    PolicyErrorCode.UNIT_MISMATCH: "单位应为 {expected}，得到 {what}",
    PolicyErrorCode.DATE_GAP: "日期有空档：{what}",
    PolicyErrorCode.DATE_OVERLAP: "日期重叠：{what}",
    PolicyErrorCode.DATE_OUTSIDE_PERIOD: "日期 {what} 不在政策期间 {allowed} 内",
    PolicyErrorCode.DUPLICATE_ID: "标识 {what} 重复",
    PolicyErrorCode.REGION_OVERLAP: "地区编码 {what} 同时属于两个地区",
    PolicyErrorCode.OVERLAY_TARGET: "改革方案指向不存在的参数：{what}",
    PolicyErrorCode.NO_REGIME: "县区 {what} 在 {allowed} 没有适用的政策",
    PolicyErrorCode.STAY_MISSING_COLUMN: "缺少列 {what}",
    PolicyErrorCode.STAY_REQUIRED: "不能为空",
    PolicyErrorCode.STAY_BAD_AMOUNT: "金额“{what}”无效，应为以元为单位、最多两位小数的数字",
    PolicyErrorCode.STAY_NEGATIVE_AMOUNT: "金额不能为负数（{what}）",
    PolicyErrorCode.STAY_AMOUNT_TOO_LARGE: "金额 {what} 超出上限",
    PolicyErrorCode.STAY_IN_POLICY_ABOVE_TOTAL: "政策范围内费用 {what} 大于总费用 {allowed}（政策范围内费用不能高于医疗总费用）",
    PolicyErrorCode.STAY_UNKNOWN_CATEGORY: "未知的人员类别“{what}”",
    PolicyErrorCode.STAY_UNKNOWN_LOCATION: "未知的就医地“{what}”（应为 county、city、province 或 outside）",
    PolicyErrorCode.STAY_BAD_GRADE: "医院等级“{what}”无效（应为 0、1、2 或 3）",
    PolicyErrorCode.STAY_BAD_BOOLEAN: "“{what}”不是 true 或 false",
    PolicyErrorCode.STAY_BAD_DATE: "日期“{what}”无效，应为 YYYY-MM-DD",
    PolicyErrorCode.STAY_DISCHARGE_BEFORE_ADMISSION: "出院日期 {what} 早于入院日期 {allowed}",
    PolicyErrorCode.STAY_BAD_COUNTY: "县区编码“{what}”无效，应为6位数字",
    PolicyErrorCode.STAY_NO_REGIME: "县区 {what} 在入院日期 {allowed} 没有适用的政策",
    PolicyErrorCode.STAY_DUPLICATE_ID: "stay_id “{what}” 重复（第一次出现在第{allowed}行）",
}


def message(code: PolicyErrorCode, **fmt: object) -> str:
    """The Chinese message of a code, with its placeholders filled (missing ones left blank)."""
    template = MESSAGES[code]
    values = {"what": "", "allowed": "", "expected": "", "dimension": ""}
    values.update({k: str(v) for k, v in fmt.items()})
    return template.format(**values)


_message = message


class PolicyError(DomainError):
    """One error in a parameter folder, or in settling, with where it was found."""

    def __init__(self, code: PolicyErrorCode, *, file: str | None = None, line: int | None = None,
                 key: str | None = None, message: str | None = None, **fmt: object):
        """`message` replaces the code's message (an error found by another check)."""
        text = message if message is not None else _message(code, **fmt)
        super().__init__(code, text, field=key, row=line)  # type: ignore[arg-type]
        self.file = file
        self.line = line
        self.key = key

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.key:
            where += f"{'：' if where else ''}{self.key}"
        return f"{where}：{self.message}" if where else self.message

    def as_dict(self) -> dict:
        d = super().as_dict()
        if self.file:
            d["file"] = self.file
        return d


class PolicyErrors(DomainError):
    """All the errors found in one check; nothing was loaded."""

    def __init__(self, errors: list[PolicyError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.code, first.message, field=first.key, row=first.line)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": self.message,
                "errors": [e.as_dict() for e in self.errors]}


class RowError(DomainError):
    """One bad value of a stay: the line of the file (header is line 1; None when the stay
    does not come from a file) and the column (the field of a form or a request)."""

    def __init__(self, code: PolicyErrorCode, *, line: int | None, column: str, **fmt: object):
        super().__init__(code, message(code, **fmt), field=column, row=line)  # type: ignore[arg-type]
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.column}：{self.message}"
        return f"第{self.line}行，列 {self.column}：{self.message}"


class StayErrors(DomainError):
    """Every bad row of an input; nothing was settled or written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.code, first.message, field=first.column, row=first.line)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": self.message,
                "errors": [e.as_dict() for e in self.errors]}
