"""Sources as a user reads them (issue 7, Pages): a user has no `shared/` folder and no
DOMAIN.md. Policy files and catalogs cite the project's domain brief (`DOMAIN.md §8`) and the
plans by path (`shared/seeds/000_….txt`); pages show the document's title and the passage
instead. Plain Python, shared by all apps (like `categories`).

`source_text("DOMAIN.md §12（全国农村妇女“两癌”检查项目）")` → `全国农村妇女“两癌”检查项目`: the
brief's section is dropped where the text names the public source itself, else replaced by the
public sources that section of the brief is drawn from.
"""

from __future__ import annotations

import re

# The two plans the system implements (shared/seeds/), by their own titles.
DOCUMENTS = {
    "000_47b5aaa7edc5213c.txt": "《长治市健康扶贫2019-2020年攻坚行动实施方案》",
    "001_33d2a24e93f706ff.txt": "《盐池县巩固拓展健康扶贫成果同乡村振兴有效衔接的实施方案（2021-2025年）》",
}

# What each section of the domain brief is drawn from (its own citations), for a reference
# that does not name its source itself.
SECTIONS = {
    2: "国家统计局行政区划代码",
    3: "《公民身份号码》（GB 11643-1999）",
    4: "民政、乡村振兴部门的对象类别",
    5: "各地防止返贫监测帮扶办法：靖边县2021年实施方案解读、秦安县问答、弋江区2024、枞阳县",
    6: "全国大病专项救治病种（央广网2019-05-14）及长治、盐池健康扶贫方案",
    7: "家庭医生签约服务管理指标（《盐池县巩固拓展健康扶贫成果同乡村振兴有效衔接的实施方案（2021-2025年）》）",
    8: "各地公开的住院三重保障政策与算例：渝北区2023、甘肃2021、乌兰察布约2019、三明2025、广德2024、宜昌",
    9: "各地因病返贫致贫监测办法（阳原县2022）",
    10: "长治、盐池健康扶贫方案的指标",
    11: "各部门数据交换的通行字段",
    12: "《国家基本公共卫生服务规范（第三版）》（2017）及健康扶贫“三个一批”行动计划（2017）",
    13: "《解决贫困人口基本医疗有保障突出问题工作方案》（2019）",
    14: "各省统计公报（农村居民人均可支配收入，待核实）",
}

_SEED = re.compile(r"(?:\.\./)*(?:shared/)?seeds/([0-9a-f_]+\.txt)")
_NUMS = r"(\d+)(?:\s*(?:、|,|，|and|和|与)\s*§?\s*\d+)*"
_DOMAIN = re.compile(
    r"DOMAIN(?:\.md)?\s*(?:§\s*" + _NUMS + r"|第\s*" + _NUMS + r"\s*节|sections?\s*" + _NUMS + r")"
    r"(\s*（[^（）]*）)?"
)
_ALL_NUMS = re.compile(r"\d+")


def _domain(m: re.Match) -> str:
    named = m.group(4)
    if named and named.strip("（） \u3000"):
        return named.strip()[1:-1]  # the public source, as the text names it
    ref = m.group(0)[: len(m.group(0)) - len(named or "")]
    nums = [int(n) for n in _ALL_NUMS.findall(ref)]
    titles = [SECTIONS[n] for n in nums if n in SECTIONS]
    return "；".join(dict.fromkeys(titles)) or "本系统整理的公开资料"


def source_text(text: str | None) -> str:
    """The text with the brief's section references and the plans' paths made readable."""
    if not text:
        return ""
    text = _SEED.sub(lambda m: DOCUMENTS.get(m.group(1), "本系统所依据的方案"), text)
    return _DOMAIN.sub(_domain, text)
