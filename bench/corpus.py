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
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from collectors import simulated
from collectors.records import OrgAccount, Organization

logger = logging.getLogger(__name__)

#: Bump when the layout or the way organizations are drawn changes.
CORPUS_VERSION = 1
PART_ORGS = 100
CACHE = Path(__file__).with_name(".cache")


def simulator_hash() -> str:
    """First 10 hex of the SHA-256 of the simulator's source files (a change there is a new corpus)."""
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


def _simulate_part(corpus: Corpus, part: int) -> list[dict]:
    """Write one part of posts and its organizations' definitions (each atomically, unless there); return the
    definitions."""
    path = corpus.part_path(corpus.posts_dir, part)
    defined = path.with_suffix(".orgs.json")
    if path.exists() and defined.exists():
        return json.loads(defined.read_text())
    orgs = [simulated._simulate(i % 7, corpus.seed, i // 7, None, corpus.weeks, simulated.DEFAULT_START, None)
            for i in corpus.part_orgs(part)]
    if not path.exists():
        table = pa.Table.from_pandas(simulated.posts_frame(orgs), preserve_index=False)
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
