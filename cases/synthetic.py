"""Synthetic but valid identities for the simulator and the tests: real checksums, clearly fictitious people.

The random parts are drawn in a fixed order (a citizen ID: birth date, then sequence number; a credit code: its nine
organisation characters), so a seeded source replays the same stream whether the drawn values are used as they are
(here) or replaced by numbers that must be unique (workflows.engine.identities)."""

import datetime as dt
import random

from cases.identifiers import citizen_id_check_char, credit_code_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏宇浩然子涵欣怡梓轩雨桐思远嘉怡晨曦一鸣"
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def citizen_id_draw(rng: random.Random, *, born: dt.date | None = None) -> tuple[dt.date, int]:
    """The random parts of a citizen ID: a birth date (1985 to 2002 unless given) and a three-digit sequence number."""
    born = born or dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 18))
    return born, rng.randrange(0, 1000)


def citizen_id_build(*, region: str, born: dt.date, sequence: int) -> str:
    """Region (6 digits), birth date (8), sequence number (3) and the GB 11643 check character."""
    if not 0 <= sequence < 1000:
        raise ValueError(f"a citizen ID sequence number has three digits, not {sequence}")
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + citizen_id_check_char(first17)


def citizen_id(rng: random.Random, *, region: str = "330110", born: dt.date | None = None) -> str:
    born, sequence = citizen_id_draw(rng, born=born)
    return citizen_id_build(region=region, born=born, sequence=sequence)


def credit_code_draw(rng: random.Random) -> str:
    """The random part of a credit code: nine organisation-code characters."""
    return "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))


def credit_code_build(*, region: str, organisation: str) -> str:
    """An individual business's code (registration authority 9, type 2), the region, the nine-character organisation
    code and the GB 32100 check character."""
    body = "92" + region + organisation
    return body + credit_code_check_char(body)


def credit_code(rng: random.Random, *, region: str = "330110") -> str:
    return credit_code_build(region=region, organisation=credit_code_draw(rng))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def bank_account(rng: random.Random) -> str:
    return "6222" + "".join(str(rng.randrange(10)) for _ in range(15))
