"""The four fictional Telegram channels of the sample and the in-memory message record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from samples.gen.common import PoolEntry


@dataclass
class TgChannel:
    key: str
    voice: str
    channel_id: int
    username: str
    title: str
    about: str
    created: datetime
    subscribers: int
    subs_per_day: int
    per_day: tuple[int, int]
    comments: bool
    signatures: bool
    reactions: tuple[str, ...]
    signature_lines: tuple[str, ...]
    signature_prob: float
    forward_share: float
    forward_from: tuple[str, ...]
    borrow: str  # "cyrillic" / "latin" / "" : which texts of the sibling voice it copies
    borrow_from: str
    first_msg_id: int
    access_hash: int = 0
    photo_id: int = 0
    authors: tuple[str, ...] = ()


CHANNELS: list[TgChannel] = [
    TgChannel(
        key="istok",
        voice="tg_istok",
        channel_id=1700000001,
        username="ruski_balkan_info",
        title="Руски Балкан Инфо 🇷🇺🇷🇸",
        about="Вести из Русије и са Балкана без цензуре. Сарадња и реклама: @rbi_urednik",
        created=datetime(2022, 3, 2, 17, 4, 11, tzinfo=UTC),
        subscribers=48210,
        subs_per_day=55,
        per_day=(20, 26),
        comments=True,
        signatures=False,
        reactions=("👍", "🔥", "❤", "🙏", "💯", "😡", "🤡", "😢"),
        signature_lines=(
            "\n\n👉 @ruski_balkan_info",
            "\n\n🇷🇺 Руски Балкан Инфо | Прати нас: https://t.me/ruski_balkan_info",
        ),
        signature_prob=0.35,
        forward_share=0.12,
        forward_from=("krajina",),
        borrow="cyrillic",
        borrow_from="tg_krajina",
        first_msg_id=41873,
    ),
    TgChannel(
        key="krajina",
        voice="tg_krajina",
        channel_id=1700000002,
        username="krajina_glas_bl",
        title="Глас Крајине | Бања Лука",
        about="Бањалука, Крајина и Српска. Вијести, саобраћај, вријеме. "
        "Пишите нам: @glas_krajine_bot",
        created=datetime(2020, 9, 14, 8, 30, 2, tzinfo=UTC),
        subscribers=23420,
        subs_per_day=22,
        per_day=(20, 24),
        comments=True,
        signatures=False,
        reactions=("👍", "❤", "🔥", "🙏", "😢", "😁", "😡", "👎"),
        signature_lines=("\n\n📢 Глас Крајине — @krajina_glas_bl",),
        signature_prob=0.30,
        forward_share=0.16,
        forward_from=("istok",),
        borrow="cyrillic",
        borrow_from="tg_istok",
        first_msg_id=18244,
    ),
    TgChannel(
        key="tabloid",
        voice="tg_tabloid",
        channel_id=1700000003,
        username="brzo_vesti_rs",
        title="BRZO VESTI ⚡️",
        about="Najbrže vesti iz Srbije i sveta ⚡️ Saradnja: @brzovesti_marketing",
        created=datetime(2021, 5, 20, 21, 12, 45, tzinfo=UTC),
        subscribers=61330,
        subs_per_day=85,
        per_day=(20, 26),
        comments=False,
        signatures=False,
        reactions=("👍", "🔥", "😱", "😁", "❤", "😢", "🤬", "🤡"),
        signature_lines=("\n\n⚡️ Prati BRZO VESTI 👉 t.me/brzo_vesti_rs",),
        signature_prob=0.25,
        forward_share=0.20,
        forward_from=("istok", "krajina"),
        borrow="latin",
        borrow_from="tg_krajina",
        first_msg_id=96102,
    ),
    TgChannel(
        key="provjera",
        voice="tg_provjera",
        channel_id=1700000004,
        username="provjereno_ba",
        title="Provjereno.ba | činjenice",
        about="Provjera činjenica i praćenje dezinformacija u BiH i regionu. "
        "Prijavite sumnjivu objavu: @provjereno_prijave_bot",
        created=datetime(2019, 11, 3, 10, 0, 37, tzinfo=UTC),
        subscribers=9850,
        subs_per_day=14,
        per_day=(19, 22),
        comments=True,
        signatures=True,
        reactions=("👍", "❤", "🤔", "👏", "🙏", "🤡", "😢"),
        signature_lines=(
            "\n\n🔎 Provjereno.ba | Prijavite sumnjivu objavu: @provjereno_prijave_bot",
        ),
        signature_prob=0.30,
        forward_share=0.10,
        forward_from=("istok", "krajina", "tabloid"),
        borrow="",
        borrow_from="",
        first_msg_id=7311,
        authors=("Lejla K.", "Dino M.", "Redakcija", "Amra H."),
    ),
]


@dataclass
class TgMsg:
    channel: TgChannel
    msg_id: int
    date: datetime
    kind: str  # text, photo, video, album_head, album_item, media_only, forward, repost, service
    text: str = ""
    entry: PoolEntry | None = None
    fwd_src: TgMsg | None = None
    grouped_id: int | None = None
    edit_date: datetime | None = None
    media: Any = None
    entities: list[Any] = field(default_factory=list)
    post_author: str | None = None
    reply_to_id: int | None = None
    action: str | None = None  # pin, call_start, call_end
    call_duration: int | None = None
    pinned_at: datetime | None = None
    views: int = 0
    forwards: int = 0
    replies: int = 0
    reactions: dict[str, int] = field(default_factory=dict)
    tau: float = 12.0
    repliers: tuple[int, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        if self.entry is not None:
            return self.entry.labels
        if self.fwd_src is not None:
            return self.fwd_src.labels
        return ()
