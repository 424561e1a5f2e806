"""Simulated Parquet corpora for the scale benchmarks, generated once and cached (run by hand).

    .venv/bin/python bench/corpus.py --orgs 1000            # ~1M posts
    .venv/bin/python bench/corpus.py --orgs 10000           # ~10M posts
    .venv/bin/python bench/corpus.py --orgs 1000 --enrich   # also the enriched copy (bench/bench_scale.py uses it)

Organization ``i`` is the simulator's organization at stage ``i % 7``, index ``i // 7``
(``collectors.simulated``), over ``--weeks`` weeks (default 25: about 1,000 posts per organization). The
corpus lives in ``bench/.cache/<key>/`` (git-ignored) where the key names the corpus version, the seed, the
organizations, the weeks and a hash of the simulator's source: a change to any of them makes a new corpus.
It is written in parts of ``PART_ORGS`` organizations (``posts/part-NNNNN.parquet`` and the part's
organizations' definitions ``.orgs.json``, each written whole or not at all), in parallel over the cores, so
no process holds more than a part; an interrupted run resumes with the parts that are missing. ``orgs.json``
holds all the definitions (name, stage, accounts with their departments), ``manifest.json`` (written last)
the counts.

**The 7-day answer cut-off.** The simulator answers every inbound post within five days, so a corpus straight
from it never tests the rule that an answer counts only 0 to 7 days (inclusive) after the post. Each part is
therefore post-processed (:func:`cut_off_answers`, the simulator is unchanged): among the organizations'
replies to a non-org post that nothing replies to, reposts or quotes (so no later post is moved before its
parent), those whose ``crc32(platform:post_id) % 1000`` falls in a bucket of ``CUT_OFF_BUCKETS`` are moved to
their parent's time plus that bucket's delay: exactly 7 days (answered, 168 hours), 7 days and 1 second, 7 days
and 1 second to 6 hours (not answered), or 7 days less 1 second (answered). About 10 % of such answers move.

``--enrich`` writes ``enriched/part-NNNNN.parquet``: the same rows with the per-post enrichment columns of
``features.enrichment`` (signature and message type of the organizations' posts, sentiment of the others),
computed once per post as a store would when collected posts enter it (one part per process, every core;
parts already written are kept); the posts per second of that step go to ``manifest.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.records import OrgAccount, Organization

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

#: Bump when the layout, the way organizations are drawn or the post-processing changes (2: the 7-day cut-off).
CORPUS_VERSION = 2
PART_ORGS = 100
CACHE = Path(__file__).with_name(".cache")
SEVEN_DAYS = timedelta(days=7)
#: (first, last) of ``crc32 % 1000`` and the delay after the parent an answer in that bucket is moved to; a
#: delay of ``None`` is 7 days plus 1 second to 6 hours, by ``crc32 % 21600``. (This module imports pandas,
#: pyarrow and the simulator only where it uses them, so the benchmark's reference processes stay lean.)
CUT_OFF_BUCKETS: tuple[tuple[int, int, timedelta | None], ...] = (
    (0, 29, SEVEN_DAYS),
    (30, 59, SEVEN_DAYS + timedelta(seconds=1)),
    (60, 89, None),
    (90, 99, SEVEN_DAYS - timedelta(seconds=1)),
)


def simulator_hash() -> str:
    """First 10 hex of the SHA-256 of the simulator's source files (a change there is a new corpus)."""
    from collectors import simulated

    digest = hashlib.sha256()
    for name in ("simulated.py", "simulated_profiles.py", "simulated_text.py", "records.py"):
        digest.update((Path(simulated.__file__).with_name(name)).read_bytes())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class Corpus:
    """Where one corpus lives and how it was drawn."""

    orgs: int
    seed: int = 1
    weeks: int = 25

    @property
    def key(self) -> str:
        return f"v{CORPUS_VERSION}-seed{self.seed}-orgs{self.orgs}-weeks{self.weeks}-sim{simulator_hash()}"

    @property
    def root(self) -> Path:
        return CACHE / self.key

    @property
    def posts_dir(self) -> Path:
        return self.root / "posts"

    @property
    def enriched_dir(self) -> Path:
        return self.root / "enriched"

    @property
    def parts(self) -> int:
        return -(-self.orgs // PART_ORGS)

    def part_orgs(self, part: int) -> range:
        return range(part * PART_ORGS, min(self.orgs, (part + 1) * PART_ORGS))

    def part_path(self, folder: Path, part: int) -> Path:
        return folder / f"part-{part:05d}.parquet"

    def manifest(self) -> dict:
        path = self.root / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def organizations(self) -> list[Organization]:
        """The organizations' definitions (``orgs.json``)."""
        return self.organizations_at(self.root)

    @staticmethod
    def organizations_at(root: Path) -> list[Organization]:
        """The organizations' definitions of the corpus in ``root``."""
        rows = json.loads((root / "orgs.json").read_text())
        return [Organization(r["name"], tuple(OrgAccount(a["platform"], a["handle"], a["department"])
                                              for a in r["accounts"])) for r in rows]


def cut_off_answers(posts: pd.DataFrame, handles: set[tuple[str, str]]) -> pd.DataFrame:
    """``posts`` with a deterministic share of the organizations' answers moved to the 7-day cut-off (module
    docstring); ``handles`` are the organizations' (platform, lower-case handle) pairs. Returns a copy."""
    import numpy as np
    import pandas as pd

    posts = posts.copy()
    platform = posts["platform"].astype(str).to_numpy(dtype=object) + ":"

    def keyed(column: str, values: pd.Series | None = None) -> pd.Series:
        """``platform:value`` of ``column`` (missing where the column is)."""
        values = (posts[column] if values is None else values).fillna("").astype(str)
        return pd.Series(platform + values.to_numpy(dtype=object), index=posts.index).where(posts[column].notna())

    key = keyed("post_id")
    is_org = keyed("author", posts["author"].astype(str).str.lstrip("@").str.lower()).isin(
        {f"{p}:{h}" for p, h in handles}).to_numpy()
    parent = pd.Index(key).get_indexer(keyed("in_reply_to_id"))
    referenced = pd.concat([keyed(c) for c in ("in_reply_to_id", "repost_of_id", "quote_of_id")]).dropna()
    leaf = ~key.isin(set(referenced)).to_numpy()
    answer = is_org & leaf & (parent >= 0) & ~is_org[np.maximum(parent, 0)]
    crc = np.array([zlib.crc32(k.encode()) for k in key.fillna("")], dtype=np.int64)
    delay = pd.Series(pd.NaT, index=posts.index, dtype="timedelta64[us]")
    for first, last, moved_by in CUT_OFF_BUCKETS:
        rows = answer & (crc % 1000 >= first) & (crc % 1000 <= last)
        delay[rows] = (pd.Timedelta(SEVEN_DAYS) + pd.to_timedelta(1 + crc[rows] % 21600, unit="s")
                       if moved_by is None else pd.Timedelta(moved_by))
    moved = delay.notna().to_numpy()
    parent_at = posts["created_at"].array.take(parent[moved])
    posts.loc[moved, "created_at"] = parent_at + pd.TimedeltaIndex(delay[moved])
    return posts


def _simulate_part(corpus: Corpus, part: int) -> list[dict]:
    """Write one part of posts and its organizations' definitions (each atomically, unless there); return the
    definitions."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from collectors import simulated

    path = corpus.part_path(corpus.posts_dir, part)
    defined = path.with_suffix(".orgs.json")
    if path.exists() and defined.exists():
        return json.loads(defined.read_text())
    orgs = [simulated._simulate(i % 7, corpus.seed, i // 7, None, corpus.weeks, simulated.DEFAULT_START, None)
            for i in corpus.part_orgs(part)]
    if not path.exists():
        handles = {(a.platform, a.handle.lstrip("@").lower()) for o in orgs for a in o.organization.accounts}
        frame = cut_off_answers(simulated.posts_frame(orgs), handles)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp, row_group_size=50_000)
        tmp.replace(path)
    definitions = [{"name": o.organization.name, "stage": o.stage,
                    "accounts": [{"platform": a.platform, "handle": a.handle, "department": a.department}
                                 for a in o.organization.accounts]} for o in orgs]
    defined.with_suffix(".tmp").write_text(json.dumps(definitions))
    defined.with_suffix(".tmp").replace(defined)
    return definitions


def generate(corpus: Corpus, processes: int | None = None) -> Path:
    """Generate the corpus unless it is complete; returns its folder."""
    import pyarrow.parquet as pq

    if corpus.manifest().get("posts"):
        logger.info("reusing %s", corpus.root)
        return corpus.root
    corpus.posts_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    definitions: list[list[dict]] = [[] for _ in range(corpus.parts)]
    with ProcessPoolExecutor(max_workers=processes or os.cpu_count()) as pool:
        futures = {pool.submit(_simulate_part, corpus, part): part for part in range(corpus.parts)}
        for future in futures:
            definitions[futures[future]] = future.result()
            logger.info("part %d of %d", futures[future] + 1, corpus.parts)
    (corpus.root / "orgs.json").write_text(json.dumps([d for part in definitions for d in part]))
    posts = sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(corpus.posts_dir.glob("part-*.parquet")))
    manifest = {"key": corpus.key, "orgs": corpus.orgs, "weeks": corpus.weeks, "seed": corpus.seed,
                "posts": posts, "parts": corpus.parts, "generate_s": round(time.perf_counter() - started, 1)}
    (corpus.root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return corpus.root


def _enrich_part(corpus: Corpus, part: int) -> tuple[int, float]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from features.enrichment import enrich

    source, target = corpus.part_path(corpus.posts_dir, part), corpus.part_path(corpus.enriched_dir, part)
    if target.exists():
        return 0, 0.0
    frame = pq.read_table(source).to_pandas()
    started = time.perf_counter()
    accounts = [key for org in corpus.organizations() for key in org.keys]
    enriched = enrich(frame, accounts, processes=1)
    seconds = time.perf_counter() - started
    tmp = target.with_suffix(".tmp")
    pq.write_table(pa.Table.from_pandas(frame.join(enriched), preserve_index=False), tmp, row_group_size=50_000)
    tmp.replace(target)
    return len(frame), seconds


def enrich_corpus(corpus: Corpus, processes: int | None = None) -> dict:
    """Write the enriched copy of every part (one part per process, every core); time it in posts per second
    (wall time of the whole step, reading and writing the parts included, and the enrichment alone)."""
    import pyarrow.parquet as pq

    manifest = corpus.manifest()
    if manifest.get("enriched_posts"):
        return manifest
    corpus.enriched_dir.mkdir(exist_ok=True)
    workers = processes or os.cpu_count() or 1
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(_enrich_part, [corpus] * corpus.parts, range(corpus.parts)))
    wall = time.perf_counter() - started
    fresh = sum(n for n, _ in done)  # enriched by this run (parts of an interrupted run are kept)
    posts = sum(pq.ParquetFile(p).metadata.num_rows for p in part_paths(corpus.enriched_dir))
    manifest.update({"enriched_posts": posts, "enrich_wall_s": round(wall, 1), "enrich_processes": workers,
                     "enrich_posts_per_s": round(fresh / wall), "enriched_by_last_run": fresh,
                     "enrich_cpu_s": round(sum(s for _, s in done), 1),
                     "enrich_load_1min": os.getloadavg()[0]})
    (corpus.root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def part_paths(folder: Path) -> Iterator[Path]:
    """The parts of a corpus folder, in order."""
    return iter(sorted(folder.glob("part-*.parquet")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--weeks", type=int, default=25)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--enrich", action="store_true", help="also write the enriched copy")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    corpus = Corpus(args.orgs, args.seed, args.weeks)
    generate(corpus, args.processes)
    if args.enrich:
        enrich_corpus(corpus, args.processes)
    print(json.dumps(corpus.manifest(), indent=1))


if __name__ == "__main__":
    main()
