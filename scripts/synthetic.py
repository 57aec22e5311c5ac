"""Synthetic parties for the demo month and the load tests (labelled synthetic everywhere).

Seeded, so a run can be repeated: a city's worth of consultancies, review
agencies, experts with employers, specialties and declared relations, and
enterprises across Dongguan's towns in its pillar industries, each with a
valid unified social credit code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from services.assignment import creditcode
from services.assignment.registry import DONGGUAN_TOWNS

SYNTHETIC = "（模拟）"  # appended to every synthetic name

# Dongguan's five pillar and four characteristic industries (measure 1), GB/T 4754-2017 classes.
INDUSTRIES: dict[str, str] = {
    "C3971": "电子元件制造",
    "C3982": "电子电路制造",
    "C3911": "计算机整机制造",
    "C3811": "电机制造",
    "C3872": "照明灯具制造",
    "C1713": "棉印染精加工",
    "C1810": "机织服装制造",
    "C1391": "淀粉及淀粉制品制造",
    "C1469": "其他调味品、发酵制品制造",
    "C2221": "机制纸及纸板制造",
    "C2110": "木质家具制造",
    "C2452": "塑胶玩具制造",
    "C2641": "涂料制造",
    "C2319": "包装装潢及其他印刷",
    "C3360": "金属表面处理及热处理加工",
    "C2922": "塑料板、管、型材制造",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红建文辉力"
_FIRM_WORDS = ["绿源", "清源", "华环", "粤清", "莞美", "蓝天", "碧水", "恒信", "中诚", "新禾", "众合", "德佳"]
_FIRM_KINDS = ["环保科技有限公司", "环境技术咨询有限公司", "节能技术服务有限公司", "清洁生产技术有限公司"]
_EMPLOYERS = [
    "东莞理工学院", "华南理工大学", "广东工业大学", "中山大学", "广东省环境科学研究院",
    "东莞市环境科学研究所", "广东省节能中心", "华南环境科学研究所", "东莞市质量监督检测中心",
    "广州能源研究所", "暨南大学", "广东省轻工业技术研究院",
]  # fmt: skip
_PRODUCTS = ["电子", "五金", "塑胶", "纸业", "印染", "家具", "食品", "玩具", "化工", "包装", "电器", "制衣"]


@dataclass
class Org:
    credit_code: str
    name: str


@dataclass
class ExpertSeed:
    name: str
    employer: Org
    specialties: list[str]
    leniency: float  # points above or below the truth this expert tends to give


@dataclass
class EnterpriseSeed:
    credit_code: str
    name: str
    town: str
    industry: str
    category: int  # dgcp.assignment.v1.AuditCategory value
    consultancy: int  # index into consultancies


@dataclass
class City:
    consultancies: list[Org]
    consultancy_quality: list[float]  # true report quality (0-100) of each consultancy
    agencies: list[Org]
    experts: list[ExpertSeed]
    enterprises: list[EnterpriseSeed]
    employers: list[Org] = field(default_factory=list)


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def make_city(
    seed: int = 2026,
    *,
    consultancies: int = 100,
    agencies: int = 4,
    experts: int = 300,
    enterprises: int = 400,
) -> City:
    rng = random.Random(seed)
    codes: set[str] = set()

    def code() -> str:
        while (c := creditcode.synthesize(rng)) in codes:
            pass
        codes.add(c)
        return c

    firms = [
        Org(code(), f"东莞市{rng.choice(_FIRM_WORDS)}{i:03d}{rng.choice(_FIRM_KINDS)}{SYNTHETIC}")
        for i in range(consultancies)
    ]
    # Most consultancies are sound; about one in ten is truly substandard.
    quality = [
        rng.gauss(62, 5) if rng.random() < 0.1 else min(97.0, rng.gauss(81, 6)) for _ in range(consultancies)
    ]
    review = [Org(code(), f"广东省第{i + 1}评审技术服务中心{SYNTHETIC}") for i in range(agencies)]
    employers = [Org(code(), name + SYNTHETIC) for name in _EMPLOYERS]
    industries = list(INDUSTRIES)
    pool = []
    for _ in range(experts):
        # Some experts work for a consultancy: the avoidance rules must keep them off its cases.
        employer = rng.choice(firms) if rng.random() < 0.08 else rng.choice(employers)
        main = rng.choice(industries)
        extra = rng.sample(industries, rng.choice((0, 1, 2)))
        specialties = sorted({main, *extra, main[:3]})
        pool.append(ExpertSeed(_person(rng) + SYNTHETIC, employer, specialties, rng.gauss(0, 4)))
    weights = [rng.paretovariate(1.3) for _ in range(consultancies)]  # skewed case volumes
    companies = []
    for i in range(enterprises):
        industry = rng.choice(industries)
        category = rng.choices([1, 2, 3, 4, 5], weights=[3, 4, 2, 2, 3])[0]
        companies.append(
            EnterpriseSeed(
                credit_code=code(),
                name=f"东莞市{rng.choice(_FIRM_WORDS)}{rng.choice(_PRODUCTS)}{i:04d}有限公司{SYNTHETIC}",
                town=rng.choice(DONGGUAN_TOWNS),
                industry=industry,
                category=category,
                consultancy=rng.choices(range(consultancies), weights=weights)[0],
            )
        )
    return City(firms, quality, review, pool, companies, employers)
