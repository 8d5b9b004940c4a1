"""Name pools for the demo generator, drawn once from Faker (zh_CN) with the seed.

Faker is called a few thousand times in all, never per person: the generator samples from these
pools with NumPy's seeded Generator. A pool drawn many times from Faker's weighted lists keeps
their weights (王, 李, 张 come up most), so sampling uniformly from the pool is realistic.

The output of Faker for a seed is stable for a given Faker version; uv.lock pins it.
"""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker

# Traditional given-name characters, to widen Faker's short zh_CN lists (57 male, 74 female).
MALE_CHARS_EXTRA = "福贵富喜宝德忠国建文志明海军平安永生春东红兵全长林根才荣华庆祥金山成"
FEMALE_CHARS_EXTRA = "秀桂凤兰英珍翠梅花玉琴芬霞燕云香莲娥爱美春红丽萍娟慧婷雪琳"
# Landforms and settlement words seen in village names of the Loess Plateau and Ningxia.
LANDFORMS = ("庄", "沟", "堡", "湾", "坪", "河", "峪", "岭", "寨", "营", "屯", "滩", "梁",
             "井", "渠", "台", "洼", "塬", "店", "铺", "坡", "口", "圪塔", "峁", "掌", "头")
# Characters that mark a given name as a woman's (Faker's male list has a stray 红霞).
FEMALE_ONLY = set("霞娟娜婷芳艳丽秀英兰凤翠梅花琴芬燕莲娥香萍倩莉莹颖淑")
DIRECTIONS = ("东", "西", "南", "北", "上", "下", "前", "后", "大", "小", "新", "老", "中")
# Syllables used with a county-level suffix are taken from Faker's district names.


@dataclass(frozen=True)
class Pools:
    surnames: tuple[str, ...]
    male_given: tuple[str, ...]
    female_given: tuple[str, ...]
    male_chars: tuple[str, ...]
    female_chars: tuple[str, ...]
    place_syllables: tuple[str, ...]   # single characters of Faker's district names
    place_words: tuple[str, ...]       # two-character district-like words


def draw_pools(seed: int) -> Pools:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    surnames = tuple(fake.last_name() for _ in range(4000))
    male_given = tuple(n for n in (fake.first_name_male() for _ in range(600))
                       if not FEMALE_ONLY & set(n))
    female_given = tuple(fake.first_name_female() for _ in range(600))
    districts = [fake.district() for _ in range(600)]
    male_chars = sorted({c for n in male_given for c in n} | set(MALE_CHARS_EXTRA))
    male_chars = [c for c in male_chars if c not in FEMALE_ONLY]
    female_chars = sorted({c for n in female_given for c in n} | set(FEMALE_CHARS_EXTRA))
    syllables = sorted({c for d in districts for c in d})
    words = sorted({d for d in districts if len(d) == 2})
    return Pools(surnames=surnames, male_given=male_given, female_given=female_given,
                 male_chars=tuple(male_chars), female_chars=tuple(female_chars),
                 place_syllables=tuple(syllables), place_words=tuple(words))
