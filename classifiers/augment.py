"""Attribution frames: training copies of social-media posts worded as reported speech.

Real BCMS media carry most narratives inside attributed speech ("Lavrov je izjavio da
...", "..., rekao je Dodik", headlines "Zaharova: ..."), while the seed parts written as
social-media posts (A-I) carry them in the first person, and their hard negatives are
mostly news reports. Trained on that alone, a linear model learns reporting verbs as a
sign of "no narrative". docs/labels.md rule 1 says the opposite: a relayed claim carries
the narrative, and a relayed fact does not. So :func:`attributed` wraps a post, claim
or fact alike, in a reporting frame, and training adds one such copy of each
social-register post with the same labels: the frame words then appear on both sides of
every label and the model has to read the content. Frames and speakers are picked by a
hash of the text, so the same corpus always gives the same copies.

Only training uses this; what the model reads at prediction time is unchanged.
"""

from __future__ import annotations

import hashlib

SPEAKERS = (
    "Putin",
    "Lavrov",
    "Zaharova",
    "Peskov",
    "Nebenzja",
    "Bocan-Harčenko",
    "Dodik",
    "Cvijanović",
    "Vučić",
    "Dačić",
    "Kurti",
    "Borelj",
    "Šmit",
    "portparol ministarstva",
    "analitičar Petar Jović",
    "profesor Milan Ristić",
    "jedan poslanik",
    "ambasador",
)
LEADING_FRAMES = (
    "{s} je izjavio da",
    "{s} je ocijenio da",
    "{s} je rekao novinarima da",
    "Kako je naveo {s},",
    "{s} je podsjetio da",
    "{s} je naglasio da",
    "{s} smatra da",
    "{s}:",
    "{s} je u intervjuu rekao da",
    "{s} je danas poručio da",
)
TRAILING_FRAMES = (
    ", rekao je {s}.",
    ", izjavio je {s} za agenciju.",
    ", naveo je {s} u saopštenju.",
    ", ocijenio je {s}.",
    ", kazao je {s} na konferenciji za novinare.",
)


def _pick(text: str, salt: str, size: int) -> int:
    digest = hashlib.blake2b(f"{salt}:{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % size


def attributed(text: str) -> str:
    """``text`` as reported speech: after a reporting frame, or quoted before one."""
    speaker = SPEAKERS[_pick(text, "speaker", len(SPEAKERS))]
    body = text.strip().rstrip(".!")
    frame = _pick(text, "frame", len(LEADING_FRAMES) + len(TRAILING_FRAMES))
    if frame < len(LEADING_FRAMES):
        return f"{LEADING_FRAMES[frame].format(s=speaker)} {body[:1].lower()}{body[1:]}."
    return f"„{body}“" + TRAILING_FRAMES[frame - len(LEADING_FRAMES)].format(s=speaker)
