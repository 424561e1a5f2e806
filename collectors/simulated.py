"""Seeded generator of simulated organizations at each of the seven maturity stages.

Used by the demo, the tests and the benchmarks. Every organization draws from its own ``random.Random``
seeded from ``(seed, stage, index)`` through SHA-256, so the same seed always gives the same posts.
Timelines follow weekday/daytime patterns; customers (``cust_<n>``) address the brand with questions,
complaints and praise; the organization answers a share of them after lognormal delays, customers
answer back, agents sign their replies, and higher stages add tracked links, polls, feedback asks,
reposts and quotes of customers, and departmental accounts (see ``STAGE_PROFILES``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd

from collectors.records import POST_COLUMNS, Account, OrgAccount, Organization, Post
from collectors.simulated_profiles import STAGE_PROFILES, AccountProfile, StageProfile
from collectors.simulated_text import (
    AMPLIFY,
    BIOS,
    BROADCASTS,
    CUSTOMER_HOURS,
    INBOUND,
    MEASURE,
    ORG_HOURS,
    REPLIES,
    SUFFIXES,
    THREADS,
    TONE_WEIGHTS,
    TONES,
    UGC,
    WORDS,
)

logger = logging.getLogger(__name__)

PLATFORM = "twitter"
DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
STAGE_SLUGS = ("unaware", "listening", "participating", "measuring", "letting-go", "actively-engaging",
               "propagating")
__all__ = ["STAGE_PROFILES", "STAGE_SLUGS", "AccountProfile", "SimulatedOrg", "StageProfile", "posts_frame",
           "simulate_org", "simulate_orgs"]


@dataclass(frozen=True)
class SimulatedOrg:
    """A generated organization: its definition, generating stage, posts (org and customers), accounts."""

    organization: Organization
    stage: int
    posts: tuple[Post, ...]
    accounts: tuple[Account, ...]


@dataclass(eq=False)
class _Draft:
    """A post under construction; ids are assigned once every post is placed in time."""

    time: datetime
    author: str
    text: str = ""
    parent: _Draft | None = None
    repost_of: _Draft | None = None
    quote_of: _Draft | None = None
    is_poll: bool = False
    tone: str = ""
    dept: str = ""
    post_id: str = ""

    @property
    def root(self) -> _Draft:
        """The first post of this post's thread."""
        return self if self.parent is None else self.parent.root


def _derive_seed(seed: int, stage: int, index: int) -> int:
    digest = hashlib.sha256(f"socialstage-simulated:{seed}:{stage}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _Builder:
    """Generates one organization's drafts, step by step, from one random generator."""

    RECENT = timedelta(days=3)  # customers reply to org posts at most this old

    def __init__(self, rng: random.Random, profile: StageProfile, stem: str, brand: str,
                 start: datetime, weeks: int, customer_base: int) -> None:
        self.rng, self.p, self.brand, self.start, self.weeks = rng, profile, brand, start, weeks
        self.end = start + timedelta(weeks=weeks)
        self.domain = f"{stem.replace('_', '')}.example.com"
        self.handles = {a.department: f"{stem}_co{SUFFIXES.get(a.department, '_' + a.department)}"
                        for a in profile.accounts}
        self.drafts: list[_Draft] = []
        pool = max(5, min(999, round(profile.inbound_per_week * weeks * 0.6)))
        self.customers = [f"cust_{customer_base + k}" for k in range(1, pool + 1)]
        self.customer_weights = [1.0 / k**0.8 for k in range(1, pool + 1)]

    def add(self, draft: _Draft) -> _Draft:
        self.drafts.append(draft)
        return draft

    def org_count(self) -> int:
        return sum(d.author in self.handles.values() for d in self.drafts)

    def customer(self) -> str:
        return self.rng.choices(self.customers, self.customer_weights)[0]

    def pick_time(self, week: int, hours: tuple[int, ...], weekend: float) -> datetime:
        day = self.rng.choices(range(7), [1, 1, 1, 1, 1, weekend, weekend])[0]
        hour = self.rng.choices(range(24), hours)[0]
        return self.start + timedelta(weeks=week, days=day, hours=hour, seconds=self.rng.randrange(3600))

    def count(self, rate: float) -> int:
        return int(rate) + (self.rng.random() < rate - int(rate))

    def fill(self, template: str, **extra: str) -> str:
        r, site = self.rng, f"https://{self.domain}"
        values = {key: r.choice(words) for key, words in WORDS.items()}
        values |= {"day": "Monday", "tag": self.brand.replace(" ", ""), "short": f"https://bit.ly/{r.getrandbits(24):x}",
                   "link": f"{site}/{r.choice(('blog', 'news', 'docs'))}/{r.randrange(100, 999)}",
                   "tracked": f"{site}/go/{r.randrange(100, 999)}?utm_source=twitter&utm_medium=social"
                              f"&utm_campaign=q{r.randrange(1, 5)}"}
        return template.format(**(values | extra))

    def delay(self, median: float, sigma: float, cap: float = 96.0) -> timedelta:
        return timedelta(hours=min(max(self.rng.lognormvariate(math.log(median), sigma), 0.03), cap))

    def in_coverage(self, t: datetime) -> datetime:
        first, last, weekends = self.p.coverage
        for _ in range(10):
            if (weekends or t.weekday() < 5) and first <= t.hour < last:
                return t
            day = t if t.hour < first else t + timedelta(days=1)
            t = day.replace(hour=first, minute=self.rng.randrange(60), second=self.rng.randrange(60))
        return t

    def broadcasts(self) -> list[_Draft]:
        """Original org posts on weekdays in working hours; some start a self-thread."""
        p = self.p
        if p.broadcast_total is not None:  # scaled from 12 weeks to the window, at least one post
            scale = self.weeks / 12
            active = min(self.weeks, max(1, round((p.active_weeks or 1) * scale)))
            weeks = self.rng.sample(range(self.weeks), active)
            total = max(1, round(p.broadcast_total * scale))
            slots = [(self.rng.choice(weeks), p.accounts[0].department) for _ in range(total)]
        else:
            slots = [(w, a.department) for w in range(self.weeks) for a in p.accounts
                     for _ in range(self.count(a.broadcasts_per_week))]
        posts = [self.add(_Draft(self.pick_time(w, ORG_HOURS, 0.05), self.handles[d], dept=d))
                 for w, d in slots]
        for root in self.rng.sample(posts, round(p.thread_share * len(posts))):
            root.tone = "thread"
            self.add(_Draft(root.time + timedelta(minutes=self.rng.randint(1, 5)), root.author,
                            self.fill(THREADS[1]), parent=root, dept=root.dept, tone="thread"))
        return posts

    def inbound(self, broadcasts: list[_Draft]) -> list[_Draft]:
        """Customer posts addressing an org account: a mention, or a reply to one of its recent posts."""
        depts, weights = [a.department for a in self.p.accounts], [a.inbound_weight for a in self.p.accounts]
        roots = []
        for week in range(self.weeks):
            for _ in range(self.count(self.p.inbound_per_week)):
                t, dept = self.pick_time(week, CUSTOMER_HOURS, 1.0), self.rng.choices(depts, weights)[0]
                tone, handle = self.rng.choices(TONES, TONE_WEIGHTS)[0], self.handles[dept]
                recent = [b for b in broadcasts if b.dept == dept and timedelta(0) < t - b.time < self.RECENT]
                reply = recent and self.rng.random() < self.p.reply_to_post_share
                parent = self.rng.choice(recent) if reply else None
                body = self.fill(self.rng.choice(INBOUND[tone]))
                text = f"@{handle} {body}" if parent else f"{body[0].upper()}{body[1:]} @{handle}"
                roots.append(self.add(_Draft(t, self.customer(), text, parent=parent, tone=tone, dept=dept)))
        return roots

    def reply(self, to: _Draft, dept: str, tone: str) -> _Draft | None:
        """An org reply after a delay within coverage hours; None when it would fall after the window."""
        p, handle = self.p, self.handles[dept]
        t = self.in_coverage(to.time + self.delay(p.delay_median_hours, p.delay_sigma))
        if t + timedelta(minutes=1) >= self.end:
            return None
        text = f"@{to.author} {self.rng.choice(REPLIES[tone])}"
        agents = next(a.agents for a in p.accounts if a.department == dept)
        if not agents:
            return self.add(_Draft(t, handle, text, parent=to, dept=dept))
        sign = self.rng.choice(agents)
        if self.rng.random() < 0.06:  # a two-part signed reply; part 2 continues the org's own post
            first = self.add(_Draft(t, handle, f"{text} {sign} 1/2", parent=to, dept=dept))
            rest = f"@{to.author} More on our help pages. {sign} 2/2"
            self.add(_Draft(t + timedelta(minutes=1), handle, rest, parent=first, dept=dept))
            return first
        link = f" https://help.{self.domain}/a/{self.rng.randrange(1000, 9999)}"
        link = link if self.rng.random() < 0.2 else ""
        return self.add(_Draft(t, handle, f"{text} {sign}{link}", parent=to, dept=dept))

    def conversations(self, roots: list[_Draft]) -> None:
        """Answer a quota of first inbound posts; customers may answer back and be answered again."""
        p = self.p
        for root in self.answered(roots):
            answer = self.reply(root, root.dept, root.tone)
            for _ in range(2):
                if answer is None or self.rng.random() >= p.followup_rate:
                    break
                mood = "bad" if root.tone == "complaint" and self.rng.random() < 0.5 else "good"
                t = answer.time + self.delay(1.0, 1.0, cap=48.0)
                if t >= self.end:
                    break
                text = f"@{answer.author} {self.rng.choice(INBOUND[mood])}"
                back = self.add(_Draft(t, root.author, text, parent=answer, tone=mood, dept=root.dept))
                rate = p.followup_response_rate * (p.complaint_weight if mood == "bad" else 1.0)
                again = self.rng.random() < min(rate, 1.0)
                answer = self.reply(back, root.dept, mood) if again else None

    def answered(self, roots: list[_Draft]) -> list[_Draft]:
        """The first inbound posts to answer: exactly ``round(response_rate * len(roots))`` of them, complaints
        at ``complaint_weight`` times the rate of the other posts (at most all of them), chosen at random
        within each group; returned in random order."""
        p, keys = self.p, {id(d): self.rng.random() for d in roots}
        complaints = [d for d in roots if d.tone == "complaint"]
        others = [d for d in roots if d.tone != "complaint"]
        quota = round(p.response_rate * len(roots))
        rate = quota / max(len(others) + p.complaint_weight * len(complaints), 1e-9)
        answered_complaints = min(len(complaints), round(min(1.0, p.complaint_weight * rate) * len(complaints)))
        answered_others = min(len(others), max(0, quota - answered_complaints))

        def first(drafts: list[_Draft], count: int) -> list[_Draft]:
            return sorted(drafts, key=lambda d: keys[id(d)], reverse=True)[:count]

        chosen = first(complaints, answered_complaints) + first(others, answered_others)
        return sorted(chosen, key=lambda d: keys[id(d)], reverse=True)

    def amplify(self, roots: list[_Draft], broadcasts: list[_Draft]) -> None:
        """Reposts and quotes of customer posts, sized to make ``amplification_share`` of org posts."""
        p, latest = self.p, self.end - timedelta(days=3)
        share = min(p.amplification_share, 0.9)
        wanted = round(share / (1 - share) * self.org_count())
        praise = [r for r in roots if r.tone == "praise" and r.parent is None and r.time < latest]
        depts = [b.dept for b in broadcasts] or [p.accounts[0].department]
        for _ in range(wanted):
            if praise and self.rng.random() < 0.5:
                source = praise.pop(self.rng.randrange(len(praise)))
            else:  # a customer's own post about the brand (hashtag, no mention): not inbound
                t = self.start + (latest - self.start) * self.rng.random()
                text = self.fill(self.rng.choice(UGC))
                source = self.add(_Draft(t, self.customer(), text, tone="ugc", dept=self.rng.choice(depts)))
            t, handle = source.time + self.delay(2.0, 0.8, cap=48.0), self.handles[source.dept]
            if self.rng.random() < p.quote_share:
                text = self.fill(self.rng.choice(AMPLIFY), cust=source.author)
                self.add(_Draft(t, handle, text, quote_of=source, dept=source.dept))
            else:
                text = f"RT @{source.author}: {source.text}"
                self.add(_Draft(t, handle, text, repost_of=source, dept=source.dept))

    def write_broadcasts(self, broadcasts: list[_Draft]) -> None:
        """Texts of original posts; ``measurement_share`` of all org posts carry a measurement mechanism."""
        eligible = [b for b in broadcasts if b.tone != "thread"]
        wanted = min(len(eligible), round(self.p.measurement_share * self.org_count()))
        chosen = self.rng.sample(eligible, wanted)
        measured = {id(b): MEASURE[i % len(MEASURE)] for i, b in enumerate(chosen)}
        for b in broadcasts:
            template = measured.get(id(b)) or (
                THREADS[0] if b.tone == "thread" else self.rng.choice(BROADCASTS[b.dept]))
            b.is_poll = template.startswith("Quick poll")
            b.text = self.fill(template, day=b.time.strftime("%A"))


def _simulate(stage: int, seed: int, index: int, name: str | None, weeks: int, start: datetime,
              profile: StageProfile | None) -> SimulatedOrg:
    if stage not in STAGE_PROFILES:
        raise ValueError(f"stage must be one of 0-6, got {stage!r}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks!r}")
    profile = profile or STAGE_PROFILES[stage]
    name = name or f"demo-{STAGE_SLUGS[stage]}" + (f"-{index + 1}" if index else "")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "org"
    stem = slug.removeprefix("demo-").replace("-", "_")
    start = start.astimezone(UTC) if start.tzinfo else start.replace(tzinfo=UTC)
    brand, number = stem.replace("_", " ").title() + " Co", 1 + stage + 7 * index
    rng = random.Random(_derive_seed(seed, stage, index))
    b = _Builder(rng, profile, stem, brand, start, weeks, customer_base=1000 * number)
    broadcasts = b.broadcasts()
    roots = b.inbound(broadcasts)
    b.conversations(roots)
    b.amplify(roots, broadcasts)
    b.write_broadcasts(broadcasts)
    drafts = sorted(b.drafts, key=lambda d: d.time)
    for i, d in enumerate(drafts, 1):
        d.post_id = f"{slug}-{i:05d}"
    ids = {h: str(10**9 + 10 * number + i) for i, h in enumerate(b.handles.values())}
    replies = Counter(d.parent.post_id for d in drafts if d.parent)
    reposts = Counter(d.repost_of.post_id for d in drafts if d.repost_of)
    posts = tuple(
        Post(platform=PLATFORM, post_id=d.post_id, author=d.author, created_at=d.time.replace(microsecond=0),
             text=d.text, author_id=ids.get(d.author) or str(10**7 + int(d.author.removeprefix("cust_"))),
             in_reply_to_id=d.parent.post_id if d.parent else None,
             in_reply_to_author=d.parent.author if d.parent else None,
             repost_of_id=d.repost_of.post_id if d.repost_of else None,
             repost_of_author=d.repost_of.author if d.repost_of else None,
             quote_of_id=d.quote_of.post_id if d.quote_of else None,
             quote_of_author=d.quote_of.author if d.quote_of else None,
             conversation_id=d.root.post_id, urls=tuple(w for w in d.text.split() if w.startswith("https://")),
             is_poll=d.is_poll, like_count=0 if d.repost_of else int(rng.paretovariate(1.2)) - 1,
             repost_count=reposts[d.post_id], reply_count=replies[d.post_id])
        for d in drafts
    )
    accounts = tuple(
        Account(platform=PLATFORM, handle=h, account_id=ids[h],
                bio=BIOS.get(dept, "{brand}").format(brand=brand),
                display_name=brand if dept == "general" else f"{brand} {dept.title()}",
                created_at=start - timedelta(days=rng.randint(400, 3000), seconds=rng.randrange(86400)),
                followers=int(profile.followers * (1 if dept == "general" else 0.2) * rng.uniform(0.8, 1.25)),
                following=rng.randint(50, 900) * (4 if stage == 1 else 1),
                post_count=sum(p.author == h for p in posts) + rng.randint(0, 2000) * (stage > 0))
        for dept, h in b.handles.items()
    )
    organization = Organization(name, tuple(OrgAccount(PLATFORM, h, dept) for dept, h in b.handles.items()))
    logger.debug("simulated %s (stage %d, seed %d): %d posts", name, stage, seed, len(posts))
    return SimulatedOrg(organization, stage, posts, accounts)


def simulate_org(stage: int, *, seed: int = 0, name: str | None = None, weeks: int = 12,
                 start: datetime = DEFAULT_START, profile: StageProfile | None = None) -> SimulatedOrg:
    """One organization generated at ``stage`` (0-6) over ``weeks`` weeks from ``start`` (UTC).

    The default name is ``demo-<stage slug>`` with accounts ``<slug>_co``, ``<slug>_co_help`` and so on;
    ``profile`` replaces ``STAGE_PROFILES[stage]``. Same arguments, same organization. The default
    profiles place each organization at its stage for windows of four weeks or more.
    """
    return _simulate(stage, seed, 0, name, weeks, start, profile)


def simulate_orgs(stages: Iterable[int] = range(7), *, seed: int = 0, weeks: int = 12,
                  count_per_stage: int = 1) -> list[SimulatedOrg]:
    """``count_per_stage`` organizations per stage with distinct names, handles, customers and post ids.

    The first organization of a stage equals ``simulate_org(stage, seed=seed, weeks=weeks)``.
    """
    seen: Counter[int] = Counter()
    orgs = []
    for stage in stages:
        for _ in range(count_per_stage):
            orgs.append(_simulate(stage, seed, seen[stage], None, weeks, DEFAULT_START, None))
            seen[stage] += 1
    return orgs


def posts_frame(orgs: Iterable[SimulatedOrg]) -> pd.DataFrame:
    """All posts of ``orgs``, one row each, columns ``POST_COLUMNS`` (urls space-separated, times UTC)."""
    frame = pd.DataFrame([p.as_row() for org in orgs for p in org.posts], columns=list(POST_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["is_poll"] = frame["is_poll"].astype(bool)
    for column in ("like_count", "repost_count", "reply_count"):
        frame[column] = frame[column].astype("Int64")
    return frame
