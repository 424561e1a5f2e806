"""Generation parameters of the simulated organizations, one profile per maturity stage.

Used by ``collectors.simulated``; the comments beside ``STAGE_PROFILES`` give the features the rubric
measures on the generated organizations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountProfile:
    """One org account (one per department): its department, original posts per week, share of inbound
    it attracts, and the sign-offs of the agents who sign its replies (empty: replies are unsigned)."""

    department: str
    broadcasts_per_week: float
    inbound_weight: float
    agents: tuple[str, ...] = ()


@dataclass(frozen=True)
class StageProfile:
    """Generation parameters of one stage; per-week rates are for the whole organization.

    ``inbound_per_week`` customer posts address the org (a mention, or a reply to a recent org post with
    probability ``reply_to_post_share``). ``response_rate`` is an exact quota of those first inbound
    posts that get an org reply, complaints answered at ``complaint_weight`` times the rate of the others;
    the customer answers back with probability ``followup_rate`` (at most twice) and is answered again
    with ``followup_response_rate`` (times ``complaint_weight`` when the customer is still unhappy). Reply
    delays are lognormal (``delay_median_hours``, ``delay_sigma``), pushed into ``coverage`` (start hour,
    end hour UTC, weekends). ``measurement_share`` and ``amplification_share`` are targets over all org
    posts (``quote_share`` of amplification are quotes); ``thread_share`` of original posts get a
    self-reply. When set, ``broadcast_total`` posts in ``active_weeks`` weeks per 12 weeks replace the
    weekly rate. ``followers`` sizes the main account.
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
_SILENT = AccountProfile("general", 0.0, 1.0)
#: Profiles per stage; the comments give the features measured over 12 weeks (seeds 0-59).
STAGE_PROFILES: dict[int, StageProfile] = {
    # 0 Unaware: the account exists but never posts; 7-12 customer mentions.
    0: StageProfile((_SILENT,), inbound_per_week=0.85, followers=400),
    # 1 Listening: 4 posts in 2 weeks plus at most one reply to ~15 mentions (posts/week < 0.5).
    1: StageProfile((_SILENT,), inbound_per_week=1.25, response_rate=0.07, reply_to_post_share=0.1,
                    broadcast_total=4, active_weeks=2, followers=1_500),
    # 2 Participating: ~9.5 posts/week every week, response ~0.10 (slow), no measurement, amplification 0.02;
    # complaints answered at a quarter of the rate of other posts (criticism_response_ratio mostly < 0.8).
    2: StageProfile((_MAIN,), inbound_per_week=10.0, response_rate=0.10, complaint_weight=0.25,
                    followup_rate=0.3, followup_response_rate=0.1, delay_median_hours=18.0, delay_sigma=0.8,
                    coverage=(9, 18, False), amplification_share=0.02, thread_share=0.05),
    # 3 Measuring: measurement 0.30, response ~0.33, no amplification, dialogue ~0.30, complaints answered less
    # readily than praise (criticism_response_ratio ~0.6).
    3: StageProfile((_MAIN,), inbound_per_week=10.0, response_rate=0.34, complaint_weight=0.6,
                    followup_rate=0.3, followup_response_rate=0.34, delay_median_hours=8.0,
                    coverage=(8, 19, False), measurement_share=0.30, thread_share=0.05, followers=12_000),
    # 4 Letting Go: amplification 0.22, response ~0.53, dialogue ~0.37, unsigned; complaints answered more
    # readily than praise (criticism_response_ratio median ~1.4, at least 1.04 in seeds 0-59, 4 to 26 weeks).
    4: StageProfile((_MAIN,), inbound_per_week=12.0, response_rate=0.55, complaint_weight=1.4, followup_rate=0.35,
                    followup_response_rate=0.5, delay_median_hours=4.0, coverage=(8, 22, True),
                    measurement_share=0.15, amplification_share=0.22, quote_share=0.35, thread_share=0.08,
                    followers=30_000),
    # 5 Actively Engaging: main + support (2 departments, both replying), 4 agents, response ~0.85, median
    # ~0.9 h, dialogue ~0.75, personal (signed) replies ~0.7.
    5: StageProfile((AccountProfile("general", 6.0, 0.3),
                     AccountProfile("support", 1.0, 0.7, ("^AB", "*JD", "-Maria", "/KL"))),
                    inbound_per_week=30.0, response_rate=0.86, followup_rate=0.4, followup_response_rate=0.85,
                    delay_median_hours=0.9, coverage=(0, 24, True), measurement_share=0.08,
                    amplification_share=0.08, thread_share=0.05, followers=120_000),
    # 6 Propagating: 5 departments posting and replying (entropy ~2.25 bits, engaging_departments 5),
    # 6 signatures, 8 voices, response ~0.73.
    6: StageProfile((AccountProfile("general", 5.0, 0.15),
                     AccountProfile("support", 1.0, 0.45, ("^AB", "^CD", "-Sam")),
                     AccountProfile("news", 5.0, 0.1), AccountProfile("careers", 3.0, 0.12, ("-Maria",)),
                     AccountProfile("developers", 3.0, 0.18, ("/KL", "/MN"))),
                    inbound_per_week=30.0, response_rate=0.74, followup_rate=0.35, followup_response_rate=0.7,
                    delay_median_hours=1.5, coverage=(7, 23, True), measurement_share=0.12,
                    amplification_share=0.12, thread_share=0.06, followers=400_000),
}
