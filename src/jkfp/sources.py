"""Sources as a user reads them (issue 7, Pages): a user has no `shared/` folder and no
DOMAIN.md. Policy files and catalogs cite the project's domain brief (`DOMAIN.md §8`) and the
plans by path (`shared/seeds/000_….txt`); pages show the document's title and the passage
instead. Plain Python, shared by all apps (like `categories`).

`source_text("DOMAIN.md §12（全国农村妇女“两癌”检查项目）", folder=policies)` → `全国农村妇女“两癌”检查项目`: the
brief's section is dropped where the text names the public source itself, else replaced by the
public sources that section of the brief is drawn from.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

FILE = "sources.yaml"  # in the policy folder (policies/sources.yaml)


@dataclass(frozen=True)
class References:
    documents: dict[str, str]  # file name under shared/seeds/ → title
    sections: dict[int, str]  # section of the domain brief → what it is drawn from


@functools.lru_cache(maxsize=4)
def references(folder: Path) -> References:
    """The titles of `folder`/sources.yaml (read once per process)."""
    path = Path(folder) / FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return References(
        documents=dict((data or {}).get("documents") or {}),
        sections={int(k): v for k, v in ((data or {}).get("sections") or {}).items()},
    )


_SEED = re.compile(r"(?:\.\./)*(?:shared/)?seeds/([0-9a-f_]+\.txt)")
_NUMS = r"(\d+)(?:\s*(?:、|,|，|and|和|与)\s*§?\s*\d+)*"
_DOMAIN = re.compile(
    r"DOMAIN(?:\.md)?\s*(?:§\s*" + _NUMS + r"|第\s*" + _NUMS + r"\s*节|sections?\s*" + _NUMS + r")"
    r"(\s*（[^（）]*）)?"
)
_ALL_NUMS = re.compile(r"\d+")


def _domain(m: re.Match, sections: dict[int, str]) -> str:
    named = m.group(4)
    if named and named.strip("（） \u3000"):
        return named.strip()[1:-1]  # the public source, as the text names it
    ref = m.group(0)[: len(m.group(0)) - len(named or "")]
    nums = [int(n) for n in _ALL_NUMS.findall(ref)]
    titles = [sections[n] for n in nums if n in sections]
    return "；".join(dict.fromkeys(titles)) or "本系统整理的公开资料"


def source_text(text: str | None, *, folder: Path) -> str:
    """The text with the brief's section references and the plans' paths made readable, by
    the titles of the policy folder's sources.yaml."""
    if not text:
        return ""
    refs = references(Path(folder))
    text = _SEED.sub(lambda m: refs.documents.get(m.group(1), "本系统所依据的方案"), text)
    return _DOMAIN.sub(lambda m: _domain(m, refs.sections), text)
