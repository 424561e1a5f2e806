"""A simulated organization with hostile posts, handles, names and bios injected, audited for the report tests.

Every hostile string would set a ``window.__pwned_*`` global (or add an element) if the report let it run.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from collectors.records import Organization
from collectors.simulated import SimulatedOrg, posts_frame
from socialstage.audit.placement import AuditResult, audit_posts
from socialstage.audit.verdict import apply_model, choose_model

HOSTILE_ORG = 'Acme "<b>Bold</b>" & <i>Sons</i>'
HOSTILE_HANDLE = '"><svg onload=window.__pwned_svg=1>'
HOSTILE_TEXTS = (
    "<script>window.__pwned_text=1</script> This is terrible, the worst service ever.",
    '<img src=x onerror="window.__pwned_img=1"> Awful, still broken, I hate this. http://evil.example/x.js',
)
HOSTILE_REPLY = "</td></tr></table><script>window.__pwned_reply=1</script> Sorry about that!"
HOSTILE_DISPLAY_NAME = '<img src=x onerror="window.__pwned_name=1">Acme'
HOSTILE_BIO = '<script>window.__pwned_bio=1</script><a href="javascript:window.__pwned_a=1">support</a>'
HOSTILE_SVG_TEXT = "Worst support ever, terrible and useless."
#: Every untrusted string the report must show as text.
HOSTILE_STRINGS = (HOSTILE_ORG, HOSTILE_HANDLE, *HOSTILE_TEXTS, HOSTILE_REPLY, HOSTILE_DISPLAY_NAME, HOSTILE_BIO)
#: The globals the hostile strings would set if any ran.
PWNED_GLOBALS = ("__pwned_svg", "__pwned_text", "__pwned_img", "__pwned_reply", "__pwned_name", "__pwned_bio",
                 "__pwned_a")


def hostile_posts(sim: SimulatedOrg) -> pd.DataFrame:
    """The organization's simulated posts plus hostile inbound posts and a hostile reply, after all of them."""
    posts = posts_frame([sim])
    handles = {a.handle.lower() for a in sim.organization.accounts}
    main = sim.organization.accounts[0].handle
    by_org = posts[posts["author"].str.lower().isin(handles)]
    by_others = posts[~posts["author"].str.lower().isin(handles)]
    parent = by_org.iloc[0]
    customer = by_others.iloc[-1]
    last = posts["created_at"].max()
    base = {"platform": "twitter", "is_poll": False, "like_count": 0, "repost_count": 0, "reply_count": 0}
    rows = [
        {**base, "post_id": f"hostile-{i}", "author": f"customer_{i}", "created_at": last + timedelta(hours=1 + i),
         "text": f"{text} @{main}"}
        for i, text in enumerate(HOSTILE_TEXTS)
    ]
    rows.append({**base, "post_id": "hostile-svg", "author": HOSTILE_HANDLE, "created_at": last + timedelta(hours=4),
                 "text": HOSTILE_SVG_TEXT, "in_reply_to_id": parent["post_id"], "in_reply_to_author": main})
    rows.append({**base, "post_id": "hostile-reply", "author": main, "created_at": last + timedelta(hours=5),
                 "text": f"@{customer['author']} {HOSTILE_REPLY}", "in_reply_to_id": customer["post_id"],
                 "in_reply_to_author": customer["author"]})
    extra = pd.DataFrame(rows).reindex(columns=posts.columns)
    extra["created_at"] = pd.to_datetime(extra["created_at"], utc=True)
    return pd.concat([posts, extra.astype(posts.dtypes.to_dict())], ignore_index=True)


def hostile_profiles(sim: SimulatedOrg) -> pd.DataFrame:
    """The accounts' profiles, the first with a hostile display name and bio."""
    rows = [{"platform": a.platform, "handle": a.handle, "display_name": a.display_name, "bio": a.bio}
            for a in sim.accounts]
    rows[0].update(display_name=HOSTILE_DISPLAY_NAME, bio=HOSTILE_BIO)
    return pd.DataFrame(rows)


def hostile_audit(sim: SimulatedOrg, *, model: str | None = "none") -> AuditResult:
    """Audit ``sim`` renamed to :data:`HOSTILE_ORG`, with the hostile posts and profiles."""
    org = Organization(HOSTILE_ORG, sim.organization.accounts)
    result = audit_posts(hostile_posts(sim), [org], source="simulation with hostile posts",
                         profiles=hostile_profiles(sim))[0]
    apply_model([result], choose_model(model))
    return result
