"""Sources as users read them (issue 7, Pages): document titles and passages, never a path
under shared/ nor a section of the project's DOMAIN.md."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jkfp.sources import references
from jkfp.sources import source_text as _source_text

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "policies"
DOCUMENTS = references(POLICIES).documents


def source_text(text):
    return _source_text(text, folder=POLICIES)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "DOMAIN.md §12（全国农村妇女“两癌”检查项目，35-64岁农村妇女）",
            "全国农村妇女“两癌”检查项目，35-64岁农村妇女",
        ),
        ("DOMAIN.md §5（弋江区 2024；枞阳县）", "弋江区 2024；枞阳县"),
        (
            "国家基本公共卫生服务规范（第三版，2017）；DOMAIN.md §12",
            "国家基本公共卫生服务规范（第三版，2017）；《国家基本公共卫生服务规范（第三版）》（2017）及"
            "健康扶贫“三个一批”行动计划（2017）",
        ),
        ("shared/seeds/000_47b5aaa7edc5213c.txt", "《长治市健康扶贫2019-2020年攻坚行动实施方案》"),
        (
            "引自 DOMAIN.md 第8节",
            "引自 各地公开的住院三重保障政策与算例：渝北区2023、甘肃2021、"
            "乌兰察布约2019、三明2025、广德2024、宜昌",
        ),
    ],
)
def test_source_text(text, shown):
    assert source_text(text) == shown


def _strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


def test_no_source_of_the_policy_files_reaches_a_user_as_a_path_or_a_brief_section():
    """Every text of policies/ and catalogs/ (sources, notes, citations, documents), as pages
    show it, names no DOMAIN.md and no shared/ file, and each plan file has its title."""
    seen = 0
    for path in [*REPO.glob("policies/**/*.yaml"), *REPO.glob("catalogs/**/*.yaml")]:
        for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            shown = source_text(text)
            assert "DOMAIN" not in shown and "shared/" not in shown and "seeds/" not in shown, (
                path,
                text,
                shown,
            )
            seen += "DOMAIN" in text or "seeds/" in text
            if "seeds/" in text:  # each plan cited by path has its title
                assert any(title in shown for title in DOCUMENTS.values()), (path, text)
    assert seen > 10  # the files do cite the brief: the check is not vacuous
