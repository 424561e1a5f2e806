"""Seeded generator of simulated organizations at each of the seven maturity stages.

Used by the demo, the tests and the benchmarks. Every organization is generated from its own
``random.Random`` (seeded from ``(seed, stage, index)`` through SHA-256), so the same seed always gives
the same posts. Timelines follow weekday/daytime patterns; customers (``cust_<n>``) address the
brand with questions, complaints and praise; the organization answers some of them after lognormal
delays, customers answer back, agents sign their replies, and higher stages add tracked links,
polls, feedback asks, reposts and quotes of customers, and departmental accounts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd

from collectors.records import POST_COLUMNS, Account, OrgAccount, Organization, Post

logger = logging.getLogger(__name__)

PLATFORM = "twitter"
STAGE_SLUGS: tuple[str, ...] = (
    "unaware", "listening", "participating", "measuring", "letting-go", "actively-engaging", "propagating",
)
_ORG_HOURS = (0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 6, 5, 4, 4, 5, 5, 4, 3, 2, 1, 0, 0, 0, 0)
_CUSTOMER_HOURS = (1, 1, 0, 0, 0, 0, 1, 2, 3, 3, 3, 4, 5, 4, 4, 4, 4, 5, 6, 6, 5, 4, 3, 2)
_TONES = ("question", "complaint", "praise", "neutral")
_TONE_WEIGHTS = (0.35, 0.25, 0.25, 0.15)
_BIOS = {
    "general": "Official account of {brand}. News, products and stories.",
    "support": "Official support for {brand}. Agents sign with their initials.",
    "news": "Newsroom and press updates from {brand}.",
    "careers": "Careers at {brand}. Come build with us.",
    "developers": "APIs, SDKs and platform updates for developers building on {brand}.",
}
_SUFFIXES = {"general": "", "support": "_help", "news": "_news", "careers": "_jobs", "developers": "_dev"}
# Texts below avoid feedback phrases, query strings and trailing dashes unless they are meant as signals.
_INBOUND = {
    "question": ("is the {item} available in Canada?", "how do I reset my password?", "any news on {item}?",
                 "do you ship on weekends?", "can I change my order after paying?"),
    "complaint": ("my order is late again, terrible service.", "the app keeps crashing, so frustrating.",
                  "still waiting for a refund. Worst experience ever.", "charged twice, really disappointed.",
                  "{item} broke after two days. Awful."),
    "praise": ("love the new {item}, great job!", "thanks for the quick delivery, amazing!",
               "best customer care I have had in years.", "the {item} is fantastic, thank you!"),
    "neutral": ("just picked up the {item}.", "heading to your store this afternoon.",
                "saw your ad on the train today."),
}
_FOLLOWUP = {"good": ("thanks, that worked!", "great, sorted now. Thank you!", "perfect, cheers!"),
             "bad": ("still not fixed, this is annoying.", "I did that already and nothing happened.")}
_REPLIES = {
    "question": ("Good question! Yes, details are on our help pages.", "You can do that in Settings > Account.",
                 "It is coming next month, stay tuned!"),
    "complaint": ("Sorry about that! DM us your order number and we will make it right.",
                  "We are sorry to hear this. Could you DM us the details so we can fix it?"),
    "praise": ("Thank you so much, that made our day!", "So glad you like it!"),
    "neutral": ("Enjoy, and thanks for stopping by!", "Thanks for the shout-out!"),
    "good": ("Glad we could help!", "Happy to hear it!"),
    "bad": ("Sorry, we are escalating this to our specialist team now.",),
}
_BROADCASTS = {
    "general": ("New on the blog: {topic}. {link}", "Happy {day}! {topic} is live today.",
                "Meet the team behind {topic}. {link}", "Our {item} is back in stock."),
    "support": ("Our help pages now cover {topic}. {link}", "We are here every day from 7am to 11pm."),
    "news": ("Press release: {topic}. {link}", "In the news this week: {topic}."),
    "careers": ("We are hiring a {role} in {city}. Apply: {link}", "A day in the life of our {role} team."),
    "developers": ("API changelog: {topic}. {link}", "New SDK release for {topic} is out."),
}
_MEASURE = ("New arrivals for spring: {tracked}", "Fresh deals this week {short}",
            "Quick poll: which should we build next?", "Tell us what you think of the new {item}!",
            "Take our 2-minute survey and help shape {topic}: {tracked} {link}",
            "Rate your experience with us this month.", "You asked, we changed: {topic}. Thanks for your feedback!")
_THREADS = ("A quick thread on {topic} 🧵", "Here is how we got there. {link}")
_AMPLIFY = ("Love seeing this!", "This is why we do what we do.", "Thanks for sharing, @{cust}!")
_UGC = ("Weekend project made with my new {item} #{tag}", "Could not be happier with this {item} #{tag}")
_TOPICS = ("dark mode", "faster checkout", "our new app", "the spring range", "offline sync", "gift cards")
_ITEMS = ("backpack", "app", "headphones", "coffee maker", "jacket")
_ROLES = ("data engineer", "store manager", "designer")
_CITIES = ("Berlin", "Austin", "Lisbon")


@dataclass(frozen=True)
class AccountProfile:
    """One org account: department, own original posts per week, share of inbound it attracts, agents."""

    department: str
    broadcasts_per_week: float
    inbound_weight: float
    agents: tuple[str, ...] = ()  # sign-offs appended to this account's replies (empty: unsigned)


@dataclass(frozen=True)
class StageProfile:
    """Generation parameters of one stage; per-week rates are for the whole org, shares of org posts.

    ``response_rate`` is an exact quota over first inbound posts (complaints weighted by
    ``complaint_weight``); follow-ups are answered with probability ``followup_response_rate``.
    Reply delays are lognormal (``delay_median_hours``, ``delay_sigma``), deferred into ``coverage``
    (start hour, end hour, weekends). ``measurement_share`` and ``amplification_share`` are targets
    over all org posts; ``broadcast_total``/``active_weeks`` replace the weekly rate when set.
    """

    accounts: tuple[AccountProfile, ...]
    inbound_per_week: float
    response_rate: float = 0.0
    complaint_weight: float = 1.0
    followup_rate: float = 0.0
    followup_response_rate: float = 0.0
    delay_median_hours: float = 8.0
    delay_sigma: float = 1.0
    coverage: tuple[int, int, bool] = (8, 20, False)
    measurement_share: float = 0.0
    amplification_share: float = 0.0
    quote_share: float = 0.3
    thread_share: float = 0.0
    reply_to_post_share: float = 0.3
    broadcast_total: int | None = None
    active_weeks: int | None = None
    followers: int = 5_000


_MAIN = AccountProfile("general", 8.0, 1.0)
STAGE_PROFILES: dict[int, StageProfile] = {
    # 0 Unaware: the account exists, never posts; ~10 customers mention it.
    0: StageProfile((AccountProfile("general", 0.0, 1.0),), inbound_per_week=0.85, followers=400),
    # 1 Listening: 4 posts in 2 weeks, one reply to ~15 mentions.
    1: StageProfile((AccountProfile("general", 0.0, 1.0),), inbound_per_week=1.25, response_rate=0.07,
                    reply_to_post_share=0.1, broadcast_total=4, active_weeks=2, followers=1_500),
    # 2 Participating: 8 posts a week, every week; ~10% answered, slowly; no measurement.
    2: StageProfile((_MAIN,), inbound_per_week=10.0, response_rate=0.10, complaint_weight=0.5,
                    followup_rate=0.3, followup_response_rate=0.1, delay_median_hours=18.0, delay_sigma=0.8,
                    coverage=(9, 18, False), amplification_share=0.02, thread_share=0.05),
    # 3 Measuring: ~30% measurement posts, ~34% answered, no amplification, dialogue ~0.3.
    3: StageProfile((_MAIN,), inbound_per_week=10.0, response_rate=0.34, complaint_weight=0.6,
                    followup_rate=0.3, followup_response_rate=0.34, delay_median_hours=8.0,
                    coverage=(8, 19, False), measurement_share=0.30, thread_share=0.05, followers=12_000),
    # 4 Letting Go: ~22% reposts/quotes of customers, ~54% answered (complaints as readily), unsigned.
    4: StageProfile((_MAIN,), inbound_per_week=12.0, response_rate=0.55, followup_rate=0.35,
                    followup_response_rate=0.5, delay_median_hours=4.0, coverage=(8, 22, True),
                    measurement_share=0.15, amplification_share=0.22, quote_share=0.35, thread_share=0.08,
                    followers=30_000),
    # 5 Actively Engaging: main + support account (2 departments), 4 signing agents, ~86% answered in ~1h.
    5: StageProfile((AccountProfile("general", 6.0, 0.3),
                     AccountProfile("support", 1.0, 0.7, ("^AB", "*JD", "-Maria", "/KL"))),
                    inbound_per_week=30.0, response_rate=0.86, followup_rate=0.4, followup_response_rate=0.85,
                    delay_median_hours=0.9, coverage=(0, 24, True), measurement_share=0.08,
                    amplification_share=0.08, thread_share=0.05, followers=120_000),
    # 6 Propagating: five departments all posting and replying, ~73% answered, many voices.
    6: StageProfile((AccountProfile("general", 5.0, 0.15), AccountProfile("support", 1.0, 0.45, ("^AB", "^CD", "-Sam")),
                     AccountProfile("news", 5.0, 0.1), AccountProfile("careers", 3.0, 0.12, ("-Maria",)),
                     AccountProfile("developers", 3.0, 0.18, ("/KL", "/MN"))),
                    inbound_per_week=30.0, response_rate=0.74, followup_rate=0.35, followup_response_rate=0.7,
                    delay_median_hours=1.5, coverage=(7, 23, True), measurement_share=0.12,
                    amplification_share=0.12, thread_share=0.06, followers=400_000),
}


@dataclass(frozen=True)
class SimulatedOrg:
    """A generated organization: its definition, generating stage, posts (org and customers) and accounts."""

    organization: Organization
    stage: int
    posts: tuple[Post, ...]
    accounts: tuple[Account, ...]


@dataclass(eq=False)
class _Draft:
    """A post under construction; ids are assigned once all posts are placed in time."""

    time: datetime
    author: str
    text: str = ""
    parent: _Draft | None = None
    repost_of: _Draft | None = None
    quote_of: _Draft | None = None
    urls: tuple[str, ...] = ()
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
    """Generates one organization's drafts step by step with one random generator."""

    def __init__(self, rng: random.Random, profile: StageProfile, stem: str, brand: str,
                 start: datetime, weeks: int, customer_base: int) -> None:
        self.rng, self.p, self.brand, self.start, self.weeks = rng, profile, brand, start, weeks
        self.end = start + timedelta(weeks=weeks)
        self.domain = f"{stem.replace('_', '')}.example.com"
        self.handles = {a.department: f"{stem}_co{_SUFFIXES[a.department]}" for a in profile.accounts}
        self.drafts: list[_Draft] = []
        pool = max(5, min(999, round(profile.inbound_per_week * weeks * 0.6)))
        self.customers = [f"cust_{customer_base + k}" for k in range(1, pool + 1)]
        self.customer_weights = [1.0 / k**0.8 for k in range(1, pool + 1)]

    def add(self, draft: _Draft) -> _Draft:
        self.drafts.append(draft)
        return draft

    def pick_time(self, week: int, hours: tuple[int, ...], weekend: float) -> datetime:
        day = self.rng.choices(range(7), [1, 1, 1, 1, 1, weekend, weekend])[0]
        hour = self.rng.choices(range(24), hours)[0]
        return self.start + timedelta(weeks=week, days=day, hours=hour, minutes=self.rng.randrange(60),
                                      seconds=self.rng.randrange(60))

    def count(self, rate: float) -> int:
        return int(rate) + (self.rng.random() < rate - int(rate))

    def fill(self, template: str, **extra: str) -> str:
        r = self.rng
        values = {"topic": r.choice(_TOPICS), "item": r.choice(_ITEMS), "role": r.choice(_ROLES),
                  "city": r.choice(_CITIES), "day": "Monday", "tag": self.brand.replace(" ", ""),
                  "link": f"https://{self.domain}/{r.choice(('blog', 'news', 'docs'))}/{r.randrange(100, 999)}",
                  "tracked": f"https://{self.domain}/go/{r.randrange(100, 999)}?utm_source=twitter"
                             f"&utm_medium=social&utm_campaign=q{r.randrange(1, 5)}",
                  "short": f"https://bit.ly/{r.randrange(16**5, 16**6):x}"}
        values.update(extra)
        return template.format(**values)

    def delay(self, median: float, sigma: float, cap: float = 96.0) -> timedelta:
        hours = min(max(self.rng.lognormvariate(math.log(median), sigma), 0.03), cap)
        return timedelta(hours=hours)

    def in_coverage(self, t: datetime) -> datetime:
        first, last, weekends = self.p.coverage
        for _ in range(10):
            if (weekends or t.weekday() < 5) and first <= t.hour < last:
                return t
            day = t if t.hour < first else t + timedelta(days=1)
            t = day.replace(hour=first, minute=self.rng.randrange(60), second=self.rng.randrange(60))
        return t

    def broadcasts(self) -> list[_Draft]:
        """Original org posts on weekdays in working hours (plus the occasional self-thread)."""
        p, posts = self.p, []
        if p.broadcast_total is not None:
            weeks = self.rng.sample(range(self.weeks), min(p.active_weeks or 1, self.weeks))
            slots = [(self.rng.choice(weeks), p.accounts[0].department) for _ in range(p.broadcast_total)]
        else:
            slots = [(w, a.department) for w in range(self.weeks) for a in p.accounts
                     for _ in range(self.count(a.broadcasts_per_week))]
        for week, dept in slots:
            posts.append(self.add(_Draft(self.pick_time(week, _ORG_HOURS, 0.05), self.handles[dept], dept=dept)))
        for root in self.rng.sample(posts, round(p.thread_share * len(posts))):
            root.tone = "thread"
            self.add(_Draft(root.time + timedelta(minutes=self.rng.randint(1, 5)), root.author,
                            self.fill(_THREADS[1]), parent=root, dept=root.dept, tone="thread"))
        return posts

    def inbound(self, broadcasts: list[_Draft]) -> list[_Draft]:
        """Customer posts addressing an org account: a mention or a reply to one of its recent posts."""
        depts = [a.department for a in self.p.accounts]
        weights = [a.inbound_weight for a in self.p.accounts]
        roots = []
        for week in range(self.weeks):
            for _ in range(self.count(self.p.inbound_per_week)):
                t, dept = self.pick_time(week, _CUSTOMER_HOURS, 1.0), self.rng.choices(depts, weights)[0]
                tone = self.rng.choices(_TONES, _TONE_WEIGHTS)[0]
                cust = self.rng.choices(self.customers, self.customer_weights)[0]
                handle = self.handles[dept]
                recent = [b for b in broadcasts if b.dept == dept and timedelta(0) < t - b.time < timedelta(days=3)]
                parent = self.rng.choice(recent) if recent and self.rng.random() < self.p.reply_to_post_share else None
                body = self.fill(self.rng.choice(_INBOUND[tone]))
                text = f"@{handle} {body}" if parent else f"{body[0].upper()}{body[1:]} @{handle}"
                roots.append(self.add(_Draft(t, cust, text, parent=parent, tone=tone, dept=dept)))
        return roots

    def reply(self, to: _Draft, dept: str, tone: str) -> _Draft | None:
        """An org reply after a lognormal delay within coverage; None when it would fall after the window."""
        p, handle = self.p, self.handles[dept]
        t = self.in_coverage(to.time + self.delay(p.delay_median_hours, p.delay_sigma))
        if t >= self.end:
            return None
        text = f"@{to.author} {self.rng.choice(_REPLIES[tone])}"
        agents = next(a.agents for a in p.accounts if a.department == dept)
        if not agents:
            return self.add(_Draft(t, handle, text, parent=to, dept=dept))
        sign = self.rng.choice(agents)
        if self.rng.random() < 0.06:  # a two-part signed reply: the second part continues the org's own post
            first = self.add(_Draft(t, handle, f"{text} {sign} 1/2", parent=to, dept=dept))
            self.add(_Draft(t + timedelta(minutes=1), handle, f"@{to.author} More on our help pages. {sign} 2/2",
                            parent=first, dept=dept))
            return first
        link = f" https://help.{self.domain}/a/{self.rng.randrange(1000, 9999)}" if self.rng.random() < 0.2 else ""
        return self.add(_Draft(t, handle, f"{text} {sign}{link}", parent=to, dept=dept))

    def conversations(self, roots: list[_Draft]) -> None:
        """Answer a quota of first inbound posts; customers may answer back and be answered again."""
        p = self.p
        keyed = sorted(roots, key=lambda d: self.rng.random() ** (
            1.0 / (p.complaint_weight if d.tone == "complaint" else 1.0)), reverse=True)
        for root in keyed[: round(p.response_rate * len(roots))]:
            answer, tone = self.reply(root, root.dept, root.tone), root.tone
            for _ in range(2):
                if answer is None or self.rng.random() >= p.followup_rate:
                    break
                mood = "bad" if tone == "complaint" and self.rng.random() < 0.5 else "good"
                t = answer.time + self.delay(1.0, 1.0, cap=48.0)
                if t >= self.end:
                    break
                back = self.add(_Draft(t, root.author, f"@{answer.author} {self.rng.choice(_FOLLOWUP[mood])}",
                                       parent=answer, tone=mood, dept=root.dept))
                answer = self.reply(back, root.dept, mood) if self.rng.random() < p.followup_response_rate else None

    def amplify(self, roots: list[_Draft], broadcasts: list[_Draft]) -> None:
        """Reposts and quotes of customer posts, sized so they make ``amplification_share`` of org posts."""
        p, org = self.p, set(self.handles.values())
        existing = sum(d.author in org for d in self.drafts)
        wanted = round(p.amplification_share / (1 - p.amplification_share) * existing)
        praise = [r for r in roots if r.tone == "praise" and r.parent is None and r.time < self.end - timedelta(days=3)]
        self.rng.shuffle(praise)
        depts = [b.dept for b in broadcasts] or [p.accounts[0].department]
        for _ in range(wanted):
            if praise and self.rng.random() < 0.5:
                source = praise.pop()
            else:
                t = self.start + timedelta(seconds=self.rng.uniform(0, (self.end - self.start).total_seconds() - 3 * 86400))
                cust = self.rng.choices(self.customers, self.customer_weights)[0]
                source = self.add(_Draft(t, cust, self.fill(self.rng.choice(_UGC)), tone="ugc",
                                         dept=self.rng.choice(depts)))
            t = source.time + self.delay(2.0, 0.8, cap=48.0)
            handle = self.handles[source.dept]
            if self.rng.random() < p.quote_share:
                text = self.fill(self.rng.choice(_AMPLIFY), cust=source.author)
                self.add(_Draft(t, handle, text, quote_of=source, dept=source.dept))
            else:
                self.add(_Draft(t, handle, f"RT @{source.author}: {source.text}", repost_of=source, dept=source.dept))

    def write_broadcasts(self, broadcasts: list[_Draft]) -> None:
        """Texts of original posts; a share of all org posts carries a measurement mechanism."""
        org = set(self.handles.values())
        total = sum(d.author in org for d in self.drafts)
        eligible = [b for b in broadcasts if b.tone != "thread"]
        measured = set(self.rng.sample(eligible, min(len(eligible), round(self.p.measurement_share * total))))
        kinds = list(_MEASURE)
        for b in broadcasts:
            if b in measured:
                template = kinds[self.rng.randrange(len(kinds))]
                b.is_poll = template.startswith("Quick poll")
            elif b.tone == "thread":
                template = _THREADS[0]
            else:
                template = self.rng.choice(_BROADCASTS[b.dept])
            b.text = self.fill(template, day=b.time.strftime("%A"))
        for d in self.drafts:
            d.urls = tuple(w for w in d.text.split() if w.startswith("https://"))


def _stem(name: str) -> str:
    base = name[5:] if name.startswith("demo-") else name
    return re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_") or "org"


def _simulate(stage: int, seed: int, index: int, name: str | None, weeks: int, start: datetime,
              profile: StageProfile | None) -> SimulatedOrg:
    if stage not in STAGE_PROFILES:
        raise ValueError(f"stage must be 0-6, got {stage!r}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks!r}")
    profile = profile or STAGE_PROFILES[stage]
    name = name or f"demo-{STAGE_SLUGS[stage]}" + (f"-{index + 1}" if index else "")
    slug, stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"), _stem(name)
    rng = random.Random(_derive_seed(seed, stage, index))
    start = start.astimezone(UTC) if start.tzinfo else start.replace(tzinfo=UTC)
    brand = stem.replace("_", " ").title() + " Co"
    b = _Builder(rng, profile, stem, brand, start, weeks, customer_base=1000 * (1 + stage + 7 * index))
    broadcasts = b.broadcasts()
    roots = b.inbound(broadcasts)
    b.conversations(roots)
    b.amplify(roots, broadcasts)
    b.write_broadcasts(broadcasts)
    drafts = sorted(b.drafts, key=lambda d: d.time)
    for number, d in enumerate(drafts, 1):
        d.post_id = f"{slug}-{number:05d}"
    org_ids = {h: str(10**9 + 1000 * (1 + stage + 7 * index) + i) for i, h in enumerate(b.handles.values())}
    replies: dict[str, int] = {}
    reposts: dict[str, int] = {}
    for d in drafts:
        if d.parent is not None:
            replies[d.parent.post_id] = replies.get(d.parent.post_id, 0) + 1
        if d.repost_of is not None:
            reposts[d.repost_of.post_id] = reposts.get(d.repost_of.post_id, 0) + 1
    posts = tuple(
        Post(platform=PLATFORM, post_id=d.post_id, author=d.author, created_at=d.time, text=d.text,
             author_id=org_ids.get(d.author) or str(10**7 + int(d.author.split("_")[1])),
             in_reply_to_id=d.parent.post_id if d.parent else None,
             in_reply_to_author=d.parent.author if d.parent else None,
             repost_of_id=d.repost_of.post_id if d.repost_of else None,
             repost_of_author=d.repost_of.author if d.repost_of else None,
             quote_of_id=d.quote_of.post_id if d.quote_of else None,
             quote_of_author=d.quote_of.author if d.quote_of else None,
             conversation_id=d.root.post_id, urls=d.urls, is_poll=d.is_poll,
             like_count=0 if d.repost_of else int(rng.paretovariate(1.5)) - 1 + reposts.get(d.post_id, 0),
             repost_count=0 if d.repost_of else reposts.get(d.post_id, 0),
             reply_count=replies.get(d.post_id, 0))
        for d in drafts
    )
    accounts = tuple(
        Account(platform=PLATFORM, handle=h, account_id=org_ids[h],
                display_name=brand if dept == "general" else f"{brand} {dept.title()}",
                bio=_BIOS[dept].format(brand=brand), created_at=start - timedelta(days=rng.randint(400, 3000)),
                followers=int(profile.followers * (1.0 if dept == "general" else 0.2) * rng.uniform(0.8, 1.25)),
                following=rng.randint(50, 900) * (3 if stage == 1 else 1),
                post_count=sum(p.author == h for p in posts) + rng.randint(0, 2000) * (stage > 0))
        for dept, h in b.handles.items()
    )
    organization = Organization(name, tuple(OrgAccount(PLATFORM, h, dept) for dept, h in b.handles.items()))
    logger.debug("simulated %s (stage %d, seed %d): %d posts", name, stage, seed, len(posts))
    return SimulatedOrg(organization, stage, posts, accounts)


def simulate_org(stage: int, *, seed: int = 0, name: str | None = None, weeks: int = 12,
                 start: datetime = datetime(2026, 1, 5, tzinfo=UTC),
                 profile: StageProfile | None = None) -> SimulatedOrg:
    """One organization generated at ``stage`` (0-6) over ``weeks`` weeks from ``start``."""
    return _simulate(stage, seed, 0, name, weeks, start, profile)


def simulate_orgs(stages: Iterable[int] = range(7), *, seed: int = 0, weeks: int = 12,
                  count_per_stage: int = 1) -> list[SimulatedOrg]:
    """``count_per_stage`` organizations per stage; names, handles, customers and post ids are distinct."""
    seen: dict[int, int] = {}
    orgs = []
    for stage in stages:
        for _ in range(count_per_stage):
            index = seen.get(stage, 0)
            seen[stage] = index + 1
            orgs.append(_simulate(stage, seed, index, None, weeks, datetime(2026, 1, 5, tzinfo=UTC), None))
    return orgs


def posts_frame(orgs: Iterable[SimulatedOrg]) -> pd.DataFrame:
    """All posts of ``orgs`` as one DataFrame with columns ``POST_COLUMNS`` (urls space-separated)."""
    frame = pd.DataFrame([p.as_row() for org in orgs for p in org.posts], columns=list(POST_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["is_poll"] = frame["is_poll"].astype(bool)
    for column in ("like_count", "repost_count", "reply_count"):
        frame[column] = frame[column].astype("Int64")
    return frame
