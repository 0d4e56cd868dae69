"""Synthetic but valid identities for the simulator and the tests: real checksums, clearly fictitious people."""

import datetime as dt
import random

from cases.identifiers import citizen_id_check_char, credit_code_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏宇浩然子涵欣怡梓轩雨桐思远嘉怡晨曦一鸣"


def citizen_id(rng: random.Random, *, region: str = "330110", born: dt.date | None = None) -> str:
    born = born or dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 18))
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + citizen_id_check_char(first17)


def credit_code(rng: random.Random, *, region: str = "330110") -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "92" + region + "".join(rng.choice(alphabet) for _ in range(9))
    return body + credit_code_check_char(body)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def bank_account(rng: random.Random) -> str:
    return "6222" + "".join(str(rng.randrange(10)) for _ in range(15))
