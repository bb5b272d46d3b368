"""Near-duplicate clusters: the same text, nearly, posted by several accounts at once.

Definition. Two posts are near-duplicates when the estimated Jaccard similarity of the
character shingles (``shingle_chars`` long) of their normalised texts is at least
``dup_threshold`` and they were created at most ``dup_window_hours`` apart. The normalised
text is the classifier's (:func:`classifiers.normalize.normalize`): lower-cased, Cyrillic
written in Latin, diacritics folded, links, handles and numbers masked, so a Cyrillic
copy of a Latin post, or a copy with another link, is the same text. Texts shorter than
``dup_min_chars`` once normalised are not compared (a "Hitno!" is not a campaign). A
near-duplicate cluster is a connected group of such posts; reports show those spanning
at least ``min_accounts`` accounts.

The pass is incremental: each post is signed once (its MinHash is kept in
``post_signatures``); a pass over ``[start, end)`` signs the posts there and in the
window before it that have no signature (or whose text changed), and compares them with
the signed posts within the window around them. Exact copies are grouped by the hash of
the normalised text first, the cheap bulk; only one text per hash goes through
``datasketch``'s MinHash LSH. Its cost is that of the window, whatever the history.
"""

from __future__ import annotations

import hashlib
import zlib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from sqlalchemy import Connection

from classifiers.normalize import normalize
from narrmon.config import CoordinationConfig
from narrmon.store.signatures import posts_to_sign, signatures_in, write_signatures

SEED = 1  # MinHash permutation seed: signatures of every pass must share it
SCHEME = "affine32"  # 32-bit hash values: stored as 4 bytes per permutation
# The hash of each shingle before the permutations: CRC-32, a C function with no Python
# frame per call (datasketch's default SHA-1 wrapper costs ~1.5 µs a shingle, 10x more);
# the MinHash permutations spread its values. Signatures of every pass must share it.
SHINGLE_HASH = zlib.crc32
CLUSTER_PREFIX = "nd-"
Key = tuple[str, str]


@dataclass
class PassResult:
    """What one near-duplicate pass did."""

    signed: int = 0  # posts signed (new or changed text)
    too_short: int = 0  # of those, texts too short to compare
    compared_with: int = 0  # signed posts of the window they were compared with
    clustered: int = 0  # newly signed posts now in a cluster
    merged: int = 0  # earlier clusters joined into another

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Sig:
    key: Key
    account_id: str
    at: float  # created_at, POSIX seconds
    text_hash: str | None
    hashvalues: Any  # numpy uint32 array, or None for short texts
    cluster_id: str | None
    new: bool


def shingles(norm: str, size: int) -> set[bytes]:
    """The character shingles of a normalised text (the whole text if it is shorter)."""
    data = norm.encode("utf-8")
    if len(data) <= size:
        return {data}
    return {data[i : i + size] for i in range(len(data) - size + 1)}


def text_hash(norm: str) -> str:
    """The hash of a normalised text: equal for exact copies."""
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=16).hexdigest()


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> Any:
    return MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations


def minhash(norm: str, settings: CoordinationConfig) -> MinHash:
    """The MinHash of a normalised text's shingles."""
    m = MinHash(
        num_perm=settings.num_perm,
        seed=SEED,
        scheme=SCHEME,
        hashfunc=SHINGLE_HASH,
        permutations=_permutations(settings.num_perm),
    )
    m.update_batch(shingles(norm, settings.shingle_chars))
    return m


def _as_minhash(hashvalues: Any, num_perm: int) -> MinHash:
    return MinHash(
        num_perm=num_perm,
        seed=SEED,
        scheme=SCHEME,
        hashfunc=SHINGLE_HASH,
        hashvalues=hashvalues,
        permutations=_permutations(num_perm),
    )


def similarity(a: str, b: str, settings: CoordinationConfig | None = None) -> float:
    """Estimated Jaccard similarity of two post texts, as the pass sees them."""
    settings = settings or CoordinationConfig()
    return minhash(normalize(a), settings).jaccard(minhash(normalize(b), settings))


def _sign(row: dict[str, Any], settings: CoordinationConfig) -> tuple[_Sig, dict[str, Any]]:
    norm = normalize(row["text"] or "")
    short = len(norm) < settings.dup_min_chars
    hashvalues = None if short else minhash(norm, settings).hashvalues
    sig = _Sig(
        (row["platform"], row["post_id"]),
        row["account_id"],
        row["created_at"].timestamp(),
        None if short else text_hash(norm),
        hashvalues,
        None,
        True,
    )
    stored = {
        "platform": row["platform"],
        "post_id": row["post_id"],
        "account_id": row["account_id"],
        "created_at": row["created_at"],
        "content_hash": row["content_hash"],
        "text_hash": sig.text_hash,
        "minhash": None if short else np.asarray(hashvalues, dtype=np.uint32).tobytes(),
    }
    return sig, stored


def _known(row: dict[str, Any], num_perm: int) -> _Sig | None:
    if row["minhash"] is None:
        return None
    values = np.frombuffer(bytes(row["minhash"]), dtype=np.uint32)
    if len(values) != num_perm:
        return None  # signed with another num_perm setting: cannot be compared
    return _Sig(
        (row["platform"], row["post_id"]),
        row["account_id"],
        row["created_at"].timestamp(),
        row["text_hash"],
        values,
        row["cluster_id"],
        False,
    )


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _link(sigs: list[_Sig], settings: CoordinationConfig) -> _Union:
    """Union the new signatures with every signature near enough in text and time."""
    window = settings.dup_window_hours * 3600.0
    groups: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sigs):
        if s.text_hash is not None:
            groups[s.text_hash].append(i)
    times: dict[str, list[float]] = {}
    for h, members in groups.items():
        members.sort(key=lambda i: sigs[i].at)
        times[h] = [sigs[i].at for i in members]
    lsh = MinHashLSH(threshold=settings.dup_threshold, num_perm=settings.num_perm)
    reps = {
        h: _as_minhash(sigs[members[0]].hashvalues, settings.num_perm)
        for h, members in groups.items()
    }
    with lsh.insertion_session() as session:
        for h, rep in reps.items():
            session.insert(h, rep)
    similar: dict[str, list[str]] = {}
    union = _Union(len(sigs))
    by_cluster: dict[str, int] = {}
    for i, s in enumerate(sigs):  # posts of one earlier cluster stay one component
        if s.cluster_id is not None:
            union.join(by_cluster.setdefault(s.cluster_id, i), i)
    for i, s in enumerate(sigs):
        if not s.new or s.text_hash is None:
            continue
        h = s.text_hash
        if h not in similar:
            rep = reps[h]
            found = [
                c
                for c in lsh.query(rep)
                if c == h or rep.jaccard(reps[c]) >= settings.dup_threshold
            ]
            similar[h] = found or [h]
        for other in similar[h]:
            lo = bisect_left(times[other], s.at - window)
            hi = bisect_right(times[other], s.at + window)
            for j in groups[other][lo:hi]:
                if j != i:
                    union.join(i, j)
    return union


def _cluster_id(key: Key) -> str:
    digest = hashlib.blake2b(f"{key[0]}:{key[1]}".encode(), digest_size=8).hexdigest()
    return CLUSTER_PREFIX + digest


def _assign(
    sigs: list[_Sig], union: _Union
) -> tuple[dict[Key, str | None], dict[Key, str], dict[str, str]]:
    """Cluster ids: of new posts, of known posts that change cluster, and merged ids."""
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(sigs)):
        components[union.find(i)].append(i)
    new_ids: dict[Key, str | None] = {s.key: None for s in sigs if s.new}
    moved: dict[Key, str] = {}
    merged: dict[str, str] = {}
    for members in components.values():
        if len(members) < 2 or not any(sigs[i].new for i in members):
            continue
        # The oldest cluster keeps its id: the younger ones, smaller, are relabelled.
        oldest: dict[str, tuple[float, Key]] = {}
        for i in members:
            cid = sigs[i].cluster_id
            if cid and (cid not in oldest or (sigs[i].at, sigs[i].key) < oldest[cid]):
                oldest[cid] = (sigs[i].at, sigs[i].key)
        existing = sorted(oldest, key=lambda cid: (oldest[cid], cid))
        first = min(members, key=lambda i: (sigs[i].at, sigs[i].key))
        target = existing[0] if existing else _cluster_id(sigs[first].key)
        merged.update({old: target for old in existing[1:]})
        for i in members:
            s = sigs[i]
            if s.new:
                new_ids[s.key] = target
            elif s.cluster_id != target:
                moved[s.key] = target
    return new_ids, moved, merged


def run_pass(
    conn: Connection,
    start: datetime,
    end: datetime,
    settings: CoordinationConfig,
    now: datetime,
) -> PassResult:
    """Sign the unsigned posts of ``[start - window, end)`` and cluster them (one transaction)."""
    window = timedelta(hours=settings.dup_window_hours)
    result = PassResult()
    todo = posts_to_sign(conn, start - window, end)
    if not todo:
        return result
    new_sigs, rows = [], []
    for row in todo:
        sig, stored = _sign(row, settings)
        rows.append(stored)
        result.signed += 1
        if sig.hashvalues is None:
            result.too_short += 1
        else:
            new_sigs.append(sig)
    first = min(r["created_at"] for r in todo)
    last = max(r["created_at"] for r in todo)
    todo_keys = {(r["platform"], r["post_id"]) for r in todo}
    known = [
        sig
        for row in signatures_in(conn, first - window, last + window + timedelta(microseconds=1))
        if (row["platform"], row["post_id"]) not in todo_keys
        and (sig := _known(row, settings.num_perm)) is not None
    ]
    result.compared_with = len(known)
    sigs = new_sigs + known
    new_ids, moved, merged = _assign(sigs, _link(sigs, settings))
    for stored in rows:
        key = (stored["platform"], stored["post_id"])
        stored["cluster_id"] = new_ids.get(key)
        stored["signed_at"] = now
    result.clustered = sum(1 for c in new_ids.values() if c)
    result.merged = len(merged)
    write_signatures(conn, rows, moved, merged)
    return result
