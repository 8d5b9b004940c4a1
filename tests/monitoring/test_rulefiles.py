"""The strict loader: each kind of bad rule file refused with file:line and its own code."""

import pytest
from django.core.management import call_command

from jkfp.errors import ErrorCode, ValidationErrors
from jkfp.monitoring.rulefiles import check_all, parse_rules

GOOD = """region: "64"
rules:
  - id: medical_cost_return
    kind: medical_cost
    name: 返贫
    watch: [lifted_out]
    level: person
    push_every_days: 10
    recipients: [civil_affairs]
    parameters:
      - from: 2021-01-01
        share: 0.5
        source: DOMAIN.md §9
"""


def _errors(text):
    with pytest.raises(ValidationErrors) as e:
        parse_rules(text, file="policies/monitoring/64.yaml")
    return [(err.code, err.message) for err in e.value.errors]


def test_the_shipped_files_load(db):
    sets, problems = check_all()
    assert problems == [] and {s.region for s in sets} >= {"64", "14"}
    ids = {r.id for s in sets for r in s.rules}
    assert ids == {"medical_cost_return", "medical_cost_fall", "major_disease_new",
                   "not_enrolled", "followup_gap", "no_support_measure", "exit_too_early",
                   "no_one_able_to_work", "projected_cost"}


def test_a_good_file_parses_with_the_default_verify_days():
    [rule] = parse_rules(GOOD, file="policies/monitoring/64.yaml").rules
    assert rule.verify_days == 15 and rule.watch == ("lifted_out",)


@pytest.mark.parametrize("change, code, line", [
    (("kind: medical_cost", "kind: medical_costs"), ErrorCode.RULE_KIND_UNKNOWN, 4),
    (("        source: DOMAIN.md §9\n", ""), ErrorCode.RULE_PARAM_SOURCE, 11),
    (("recipients: [civil_affairs]", "recipients: [poverty_office]"),
     ErrorCode.RULE_DEPARTMENT_UNKNOWN, 9),
    (("watch: [lifted_out]", "watch: [lifted]"), ErrorCode.RULE_CATEGORY_UNKNOWN, 6),
    (("        source: DOMAIN.md §9\n",
      "        source: DOMAIN.md §9\n      - from: 2022-01-01\n        share: 0.6\n"
      "        example: true\n"), ErrorCode.RULE_DATES_OVERLAP, 14),
    (("level: person", "level: village"), ErrorCode.RULEFILE_INVALID, 7),
])
def test_each_problem_is_named_with_its_line_and_code(change, code, line):
    errors = _errors(GOOD.replace(*change))
    assert [c for c, _ in errors] == [code]
    assert errors[0][1].startswith(f"policies/monitoring/64.yaml:{line}：")


def test_rules_check_command_reports_and_fails(db, settings, tmp_path, capsys):
    folder = tmp_path / "monitoring"
    folder.mkdir()
    (folder / "64.yaml").write_text(GOOD.replace("kind: medical_cost", "kind: nope"),
                                    encoding="utf-8")
    (folder / "incomes.yaml").write_text('incomes: {"64": {2020: 13889}}\nexample: true\n',
                                         encoding="utf-8")
    settings.JKFP_MONITORING_DIR = str(folder)
    with pytest.raises(SystemExit):
        call_command("rules", "check")
    assert "rule_kind_unknown" in capsys.readouterr().err
    from jkfp.monitoring.checks import rule_files_check

    assert [e.id for e in rule_files_check()] == ["monitoring.rule_kind_unknown"]
