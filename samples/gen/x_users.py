"""X accounts of the sample: the ``XUser`` record, its factory and place/topic keywords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass
class XUser:
    username: str
    name: str
    voice: str
    followers: int
    following: int
    tweets_before: int
    listed: int
    likes: int
    created: datetime
    description: str
    location: str | None = None
    verified_type: str = "none"
    per_day_rt: tuple[float, float] = (0.0, 1.0)
    home: tuple[str, ...] = ()
    weight: float = 1.0
    ijekavian: bool = False
    user_id: str = ""
    image: str = ""


def xuser(
    username: str,
    name: str,
    voice: str,
    followers: int,
    following: int,
    tweets: int,
    created: str,
    description: str,
    location: str | None = None,
    verified: str = "none",
    rt: tuple[float, float] = (0.0, 1.0),
    home: tuple[str, ...] = (),
    weight: float = 1.0,
    ij: bool = False,
) -> XUser:
    """An ``XUser`` with listed/likes counts derived from its followers and tweets."""
    return XUser(
        username=username,
        name=name,
        voice=voice,
        followers=followers,
        following=following,
        tweets_before=tweets,
        listed=max(0, followers // 180),
        likes=tweets * 2 + followers // 3,
        created=datetime.fromisoformat(created).replace(tzinfo=UTC),
        description=description,
        location=location,
        verified_type=verified,
        per_day_rt=rt,
        home=home,
        weight=weight,
        ijekavian=ij or voice == "x_rs_patriot",
    )


BIH = (
    "Sarajev",
    "Сарајев",
    "Mostar",
    "Мостар",
    "Tuzl",
    "Тузл",
    "Zenic",
    "Зениц",
    "Koševo",
    "Skenderij",
    "Trebević",
    "Bihać",
    "FBiH",
    "Kreka",
)
RS = (
    "Banjaluk",
    "Бањалук",
    "Бања Лук",
    "Trebinj",
    "Требињ",
    "Bijeljin",
    "Бијељин",
    "Prijedor",
    "Doboj",
    "Добој",
    "Laktaš",
    "Лакташ",
    "Narodna skupština RS",
    "Народна скупштина РС",
    "RTRS",
    "Zvornik",
    "Кастел",
    "Kastel",
    "Krajin",
    "Крајин",
    "Vrbas",
    "Врбас",
    "Господска",
)
MNE = (
    "Podgoric",
    "Подгориц",
    "Kotor",
    "Котор",
    "Cetinj",
    "Цетињ",
    "Ulcinj",
    "Herceg Novi",
    "Crne Gore",
    "Crna Gora",
    "Црне Горе",
    "Nikšić",
    "Бока",
)
ECON = (
    "Inflacij",
    "inflacij",
    "NBS",
    "plat",
    "плат",
    "goriv",
    "горив",
    "cene",
    "Cijen",
    "cijen",
    "BDP",
    "РЗС",
    "RZS",
    "Elektroprivred",
    "naftovod",
    "Arcelor",
    "NIS",
)
