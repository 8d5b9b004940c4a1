"""Named domain errors (DESIGN.md rule 7): each has a code from one enum and a Chinese message.

Services raise `DomainError` (or `ValidationErrors`, a list of them); pages show the message,
the API answers 422 with the code and the field, tests assert the code.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # identity
    ID_FORMAT = "id_format"
    ID_CHECKSUM = "id_checksum"
    ID_BIRTH_DATE = "id_birth_date"
    ID_BIRTH_MISMATCH = "id_birth_mismatch"
    ID_SEX_MISMATCH = "id_sex_mismatch"
    ID_DUPLICATE = "id_duplicate"
    PHONE_FORMAT = "phone_format"
    # regions
    REGION_UNKNOWN = "region_unknown"
    REGION_NOT_VILLAGE = "region_not_village"
    REGION_CODE_FORMAT = "region_code_format"
    REGION_PARENT_MISMATCH = "region_parent_mismatch"
    REGION_OUT_OF_SCOPE = "region_out_of_scope"
    # registry
    HOUSEHOLD_NUMBER_DUPLICATE = "household_number_duplicate"
    HOUSEHOLD_NO_HEAD = "household_no_head"
    HOUSEHOLD_TWO_HEADS = "household_two_heads"
    HOUSEHOLD_ENDED = "household_ended"
    PERSON_DECEASED = "person_deceased"
    # household and person changes (registry/changes.py, corrections.py, numbering.py)
    HOUSEHOLD_NOT_MEMBER = "household_not_member"  # a person named is not of that household
    HOUSEHOLD_SAME = "household_same"  # moving or merging a household into itself
    HOUSEHOLD_HEAD_LEAVES = "household_head_leaves"  # the head would leave: change the head first
    HOUSEHOLD_HAS_MEMBERS = "household_has_members"  # ending a household with living members
    HOUSEHOLD_CHANGE_ROLE = "household_change_role"  # split, merge, end need reviewer rights
    NUMBERING_INVALID = "numbering_invalid"  # the household-number file (names file and line)
    NUMBERING_NO_RULE = "numbering_no_rule"  # no numbering rule covers the village
    INCOME_LINES_INVALID = "income_lines_invalid"  # policies/registry/income_lines.yaml
    CORRECTION_PENDING = "correction_pending"  # an open correction of the same person
    CORRECTION_UNCHANGED = "correction_unchanged"  # the correction changes nothing
    CORRECTION_DECIDED = "correction_decided"  # already decided or withdrawn
    DEATH_DATE_INVALID = "death_date_invalid"
    CATEGORY_UNKNOWN = "category_unknown"
    CATEGORY_LEVEL = "category_level"
    CATEGORY_OVERLAP = "category_overlap"
    CATEGORY_DATES = "category_dates"
    CATEGORY_NOT_HELD = "category_not_held"
    CATEGORY_HELD = "category_held"
    CATEGORY_ENDED = "category_ended"
    INCOME_INVALID = "income_invalid"  # an income's members or year (its amount: AMOUNT_INVALID)
    STALE_VERSION = "stale_version"
    REQUIRED = "required"
    INVALID = "invalid"
    AMOUNT_INVALID = "amount_invalid"  # an amount of money in yuan (policy.money.parse_yuan)
    # admission / exit
    WORKFLOW_STEP = "workflow_step"
    WORKFLOW_ROLE = "workflow_role"
    NOTICE_TOO_SHORT = "notice_too_short"
    NOTICE_NOT_POSTED = "notice_not_posted"
    NOTICE_START = "notice_start_invalid"
    CONSENT_MISSING = "consent_missing"
    EXIT_MONITORED_TOO_SHORT = "exit_monitored_too_short"
    EXIT_NO_SUPPORT_MEASURE = "exit_no_support_measure"
    EXIT_NO_ABLE_WORKER = "exit_no_able_worker"
    REQUEST_PENDING = "request_pending"
    FOUR_EYES = "four_eyes"
    CATEGORY_BY_PROCEDURE = "category_by_procedure"
    PERMISSION = "permission"
    PROCEDURE_INVALID = "procedure_invalid"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE = "attachment_type"
    # settlement
    POLICY_NOT_FOUND = "policy_not_found"
    STAY_ORDER = "stay_order"  # no longer raised by stay_settle: a late stay re-settles the year
    STAY_OVERLAP = "stay_overlap"  # two stays of one person overlap in dates
    STATEMENT_NOT_CURRENT = "statement_not_current"  # reversing or correcting a replaced one
    REASON_REQUIRED = "reason_required"  # a correction or reversal without its reason
    # health: the disease catalog (health/catalog.py, catalogs/)
    ICD10_FORMAT = "icd10_format"  # a diagnosis code not in ICD-10 form
    CATALOG_INVALID = "catalog_invalid"  # a catalog file (names the file and the line)
    DISEASE_NOT_IN_CATALOG = "disease_not_in_catalog"  # no disease of the list in force
    # health: chronic registrations and special-treatment cases
    CASE_NOT_ELIGIBLE = "case_not_eligible"
    CASE_DUPLICATE = "case_duplicate"
    CASE_STEP_NOT_ALLOWED = "case_step_not_allowed"
    CHRONIC_DUPLICATE = "chronic_duplicate"
    DATE_IN_FUTURE = "date_in_future"
    DATE_ORDER = "date_order"
    # screening
    SCREENING_PROGRAMME = "screening_programme"  # the programme file, or a kind not offered
    SCREENING_NOT_TARGET = "screening_not_target"
    SCREENING_DUPLICATE = "screening_duplicate"
    SCREENING_DATE = "screening_date"
    SCREENING_STEP_NOT_ALLOWED = "screening_step_not_allowed"
    SCREENING_HAS_RESULTS = "screening_has_results"
    # family-doctor contracts and follow-ups (jkfp.contracts)
    STANDARDS_INVALID = "standards_invalid"
    INDICATOR_INVALID = "indicator_invalid"  # an indicator definition file (names file and line)
    LITERACY_SCORE_SCALE = "literacy_score_scale"  # a survey score outside its scale
    MAP_INVALID = "map_invalid"  # a region's GeoJSON refused (names the feature and property)
    TEAM_COMPOSITION = "team_composition"
    TEAM_VILLAGE = "team_village"
    CONTRACT_OVERLAP = "contract_overlap"
    CONTRACT_ENDED = "contract_ended"
    CONTRACT_DATE = "contract_date"
    MEMBER_NOT_IN_TEAM = "member_not_in_team"
    FOLLOWUP_TEAM = "followup_team"
    MEASUREMENT_RANGE = "measurement_range"
    NOT_APPLICABLE = "not_applicable"
    # data exchange: imports of other departments' lists (jkfp.exchange)
    EXCHANGE_KINDS_INVALID = "exchange_kinds_invalid"  # policies/exchange/kinds.yaml
    IMPORT_FILE = "import_file"  # not a spreadsheet, unreadable, empty, sheet not found
    IMPORT_COLUMNS = "import_columns"  # required columns missing (named)
    IMPORT_HEADER_MERGED = "import_header_merged"  # merged cells in the header row
    IMPORT_DATE = "import_date"  # a date or month that is not one (2021/13/01, 202113)
    IMPORT_VALUE = "import_value"  # a code, yes/no or number the kind does not know
    IMPORT_DUPLICATE_ROW = "import_duplicate_row"
    IMPORT_VILLAGE = "import_village"  # a village name not found in its township
    IMPORT_AMOUNTS = "import_amounts"  # the amounts of a row do not add up (settlement records)
    IMPORT_BATCH_STATE = "import_batch_state"  # apply/undo/decide a batch not in that state
    # facilities and staff (jkfp.facilities)
    FACILITY_RULES = "facility_rules"  # policies/facilities/gaps.yaml (names file and line)
    FACILITY_REGION = "facility_region"  # an institution outside any region, or at the wrong level
    FACILITY_CLOSED = "facility_closed"  # a post or coverage outside the institution's open dates
    STAFF_POST_OVERLAP = "staff_post_overlap"  # two full-time posts of one person at once
    # early warning (jkfp.monitoring): the rule files of policies/monitoring/ (file and line)
    RULEFILE_INVALID = "rulefile_invalid"  # syntax, a missing or unknown key, a bad value
    RULE_KIND_UNKNOWN = "rule_kind_unknown"  # a rule kind the engine does not evaluate
    RULE_PARAM_SOURCE = "rule_param_source"  # a parameter without `source` or `example: true`
    RULE_DATES_OVERLAP = "rule_dates_overlap"  # two dated parameter periods of a rule overlap
    RULE_DEPARTMENT_UNKNOWN = "rule_department_unknown"  # a recipient not in accounts
    RULE_CATEGORY_UNKNOWN = "rule_category_unknown"  # a watched category not in categories.py
    RULE_NOT_FOUND = "rule_not_found"  # no rule file for a region, or no such rule id
    # background jobs (jkfp.jobs)
    JOB_TASK_UNKNOWN = "job_task_unknown"
    JOB_PARAMS = "job_params"
    JOB_STATE = "job_state"
    # monitoring warnings: their life (monitoring/rules.py)
    WARNING_STEP_NOT_ALLOWED = "warning_step_not_allowed"  # a step out of order
    WARNING_DEPARTMENT = "warning_department"  # a step of another department


class DomainError(Exception):
    """One named error, optionally tied to a field and a row (1-based line of an import)."""

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None,
                 row: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.row = row

    def as_dict(self) -> dict:
        d = {"code": str(self.code), "message": self.message}
        if self.field:
            d["field"] = self.field
        if self.row is not None:
            d["row"] = self.row
        return d

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.field:
            where.append(f"字段 {self.field}")
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class FileError(DomainError):
    """A problem in one of the system's data files (procedure, numbering, catalogs, kinds of
    list, indicators…): the message starts with file:line and the key. A subclass names its
    `code`."""

    code: ErrorCode

    def __init__(self, message: str, *, file: str, line: int | None, key: str = ""):
        where = f"{file}:{line}" if line else file
        super().__init__(type(self).code, f"{where}：{key + '：' if key else ''}{message}",
                         field=key or None, row=line)
        self.file = file
        self.line = line


class ValidationErrors(DomainError):
    """Several errors found at once; nothing was written."""

    def __init__(self, errors: list[DomainError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.code, first.message, field=first.field, row=first.row)

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": self.message,
                "errors": [e.as_dict() for e in self.errors]}

    def __str__(self) -> str:
        return "；".join(str(e) for e in self.errors)
