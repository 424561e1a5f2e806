"""Rate limits, retries and back-off of every collector request: the one place this policy lives.

Every HTTP request of tweepy, of praw/prawcore, of atproto (whose httpx client is given a transport that sends
through it, :mod:`collectors.bluesky_client`) and of Mastodon.py (given the session, :mod:`collectors.mastodon_client`)
goes through a :class:`PolicySession` (a ``requests.Session``),
which asks the platform's :class:`RequestPolicy`:

* **Rate-limit headers** are read on every answer (X: ``x-rate-limit-remaining`` and
  ``x-rate-limit-reset``, an epoch time, per endpoint; Reddit: ``x-ratelimit-remaining`` and
  ``x-ratelimit-reset``, seconds from now, one budget for the client; Bluesky: ``ratelimit-remaining`` and
  ``ratelimit-reset``, an epoch time, one budget for the client; Mastodon: ``x-ratelimit-remaining`` and
  ``x-ratelimit-reset``, an ISO 8601 time in the server's clock, one budget per instance: the collector names
  the instance as the bucket, :meth:`RequestPolicy.on`). When the budget is spent, the
  next request waits until the reset instead of spending a request on a 429.
* **429 Too Many Requests** waits until the reset its headers give (or its ``Retry-After``); without
  either it backs off exponentially (5 s, 10 s, 20 s ... capped at 5 minutes), never in a tight loop,
  and gives up after 6 refusals in a row.
* **A usage cap is not a rate limit**: a 429 whose body says a quota of the plan is spent (X's
  ``UsageCapExceeded`` problem, ``.../problems/usage-capped``: the monthly post cap) is not waited on, since
  no wait within a run ends it: :class:`UsageCapStop` is raised at once and the collector stops cleanly.
* **Spent budgets are remembered** in the store (:meth:`RequestPolicy.remember`): a budget found spent
  survives the process, so a run started before its reset waits for it (or stops at ``max_wait``) instead
  of spending a request on a 429.
* ``max_wait`` (``--max-wait``) bounds each rate-limit wait: a wait longer than that is not started;
  :class:`RateLimitStop` is raised instead, with the time the limit resets, and the collector stops
  cleanly (every page already fetched is saved with its cursor).
* **Server errors** (500, 502, 503, 504, 520, 522) and **dropped connections** (connection errors,
  time-outs, truncated bodies) are retried 3 times (after 1, 2 and 4 s, or the ``Retry-After``
  given, capped at 30 s); then :class:`ServerFailure` or :class:`NetworkFailure` is raised.
* The clock and sleep are injected (:class:`Clock`), waits are shown through the collector's
  progress as a countdown, and every attempt is counted per endpoint (``requests``).

Decision about the libraries' own machinery (so that one policy decides, ``--max-wait`` is honoured,
tests never really sleep, and request counts are exact):

* tweepy's ``Client`` is built with ``wait_on_rate_limit=False`` and given a ``PolicySession`` as its
  (public) ``session`` attribute; a 429 never reaches tweepy's own handling because the session
  retries it or stops the run.
* prawcore gets the ``PolicySession`` through praw's documented ``requestor_kwargs={"session": ...}``.
  prawcore retries 5xx answers and ``requests`` connection errors itself (twice, with real random
  sleeps): it never sees either, because the session retries them and, when it gives up, raises
  :class:`ServerFailure`/:class:`NetworkFailure`, which are not ``requests`` errors (prawcore wraps them
  in ``RequestException`` without retrying). prawcore's ``RateLimiter`` paces requests by sleeping on
  the ``x-ratelimit-*`` headers; the session reads those headers and removes them from the response
  it hands over (``hide_limit_headers``), so prawcore's limiter stays idle and never sleeps.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import requests

from collectors.base import (
    DEFAULT_MAX_WAIT,
    CollectionReport,
    CollectorError,
    NullProgress,
    Progress,
    duration_text,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({500, 502, 503, 504, 520, 522})
NETWORK_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
DEFAULT_TIMEOUT = 30.0


class Clock(Protocol):
    """Where the policy reads the time (epoch seconds) and sleeps; tests pass a fake one."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """``time.time()``."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """``time.sleep()``."""
        time.sleep(seconds)


@dataclass(frozen=True)
class Limit:
    """A rate-limit budget as the headers state it: requests left and when it resets (epoch seconds)."""

    remaining: float | None
    reset_at: float | None


LimitReader = Callable[[Mapping[str, str], float], "Limit | None"]


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def x_limits(headers: Mapping[str, str], now: float) -> Limit | None:
    """X API v2: ``x-rate-limit-remaining`` and ``x-rate-limit-reset`` (epoch seconds), per endpoint."""
    remaining, reset = _number(headers.get("x-rate-limit-remaining")), _number(headers.get("x-rate-limit-reset"))
    return None if remaining is None and reset is None else Limit(remaining, reset)


def reddit_limits(headers: Mapping[str, str], now: float) -> Limit | None:
    """Reddit: ``x-ratelimit-remaining`` (a float) and ``x-ratelimit-reset`` (seconds from now)."""
    remaining, reset = _number(headers.get("x-ratelimit-remaining")), _number(headers.get("x-ratelimit-reset"))
    return None if remaining is None and reset is None else Limit(remaining, None if reset is None else now + reset)


def bluesky_limits(headers: Mapping[str, str], now: float) -> Limit | None:
    """Bluesky (AppView and PDS): ``ratelimit-remaining`` and ``ratelimit-reset`` (epoch seconds)."""
    remaining, reset = _number(headers.get("ratelimit-remaining")), _number(headers.get("ratelimit-reset"))
    return None if remaining is None and reset is None else Limit(remaining, reset)


CapReader = Callable[[requests.Response], "str | None"]


def x_usage_cap(response: requests.Response) -> str | None:
    """X's answer to a spent plan quota: a 429 with the ``UsageCapExceeded`` problem (``.../usage-capped``);
    returns its detail (``Usage cap exceeded: Monthly product cap``), else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if body.get("title") != "UsageCapExceeded" and not str(body.get("type") or "").endswith("/usage-capped"):
        return None
    period = str(body.get("period") or "").lower()
    return f"{body.get('detail') or 'Usage cap exceeded'}{f' ({period})' if period else ''}"


def mastodon_limits(headers: Mapping[str, str], now: float) -> Limit | None:
    """Mastodon: ``x-ratelimit-remaining`` and ``x-ratelimit-reset``, an ISO 8601 time (GoToSocial: epoch
    seconds), in the server's clock: shifted by the difference between the ``Date`` header and ``now``."""
    remaining, raw = _number(headers.get("x-ratelimit-remaining")), headers.get("x-ratelimit-reset")
    reset = _number(raw)
    if reset is None and raw:
        try:
            moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            reset = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        except ValueError:
            reset = None
    if reset is not None and headers.get("date"):
        from email.utils import parsedate_to_datetime

        with suppress(TypeError, ValueError):
            reset += now - parsedate_to_datetime(headers["date"]).timestamp()
    return None if remaining is None and reset is None else Limit(remaining, reset)


def utc_text(epoch: float) -> str:
    """An epoch time as ``2024-05-01 12:34:56 UTC``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class BudgetStore(Protocol):
    """Where spent rate-limit budgets are remembered between runs (the store)."""

    def save_rate_budget(self, platform: str, bucket: str, remaining: float | None, reset_at: float | None) -> None:
        """Remember a budget."""
        ...

    def load_rate_budgets(self, platform: str) -> dict[str, tuple[float | None, float | None]]:
        """The remembered budgets: bucket -> (requests left, reset time)."""
        ...


class RateLimitStop(CollectorError):
    """A rate-limit wait would exceed ``max_wait`` (or the platform kept refusing): stop cleanly."""

    def __init__(self, platform: str, endpoint: str, wait: float | None, resume_at: float | None, detail: str) -> None:
        super().__init__(f"{platform} {endpoint}: {detail}")
        self.platform, self.endpoint, self.wait, self.resume_at = platform, endpoint, wait, resume_at


class UsageCapStop(RateLimitStop):
    """The plan's usage cap (e.g. X's monthly post cap) is spent: waiting does not help, stop at once."""


class ServerFailure(CollectorError):
    """The platform kept answering with a server error."""


class NetworkFailure(CollectorError):
    """The connection kept failing."""


class RequestPolicy:
    """The rate-limit, retry and back-off policy of one platform (see the module docstring)."""

    def __init__(
        self,
        platform: str,
        limits: LimitReader,
        *,
        max_wait: float | None = DEFAULT_MAX_WAIT,
        clock: Clock | None = None,
        progress: Progress | None = None,
        retries: int = 3,
        retry_base: float = 1.0,
        retry_cap: float = 30.0,
        backoff_base: float = 5.0,
        backoff_cap: float = 300.0,
        refusals: int = 6,
        shared_limit: bool = False,
        hide_limit_headers: bool = False,
        usage_cap: CapReader | None = None,
    ) -> None:
        self.platform, self.limits, self.max_wait = platform, limits, max_wait
        self.clock: Clock = clock or SystemClock()
        self.progress: Progress = progress or NullProgress()
        self.retries, self.retry_base, self.retry_cap = retries, retry_base, retry_cap
        self.backoff_base, self.backoff_cap, self.refusals = backoff_base, backoff_cap, refusals
        self.shared_limit, self.hide_limit_headers = shared_limit, hide_limit_headers
        self.usage_cap = usage_cap
        self.endpoint = "request"
        self.bucket: str | None = None
        self.requests: Counter[str] = Counter()
        self.waited = 0.0
        self._budgets: dict[str, Limit] = {}
        self._remembered: BudgetStore | None = None

    def remember(self, store: BudgetStore) -> None:
        """Remember spent budgets in ``store`` from now on, and take up those it holds that have not reset yet."""
        self._remembered = store
        now = self.clock.now()
        for bucket, (remaining, reset_at) in store.load_rate_budgets(self.platform).items():
            if bucket not in self._budgets and remaining is not None and remaining < 1 and (reset_at or 0) > now:
                self._budgets[bucket] = Limit(remaining, reset_at)

    @contextmanager
    def on(self, endpoint: str, bucket: str | None = None) -> Iterator[None]:
        """Count and rate-limit the requests made inside the block under ``endpoint``; ``bucket`` names the
        rate-limit budget they draw on when it is neither the endpoint nor shared (a Mastodon instance)."""
        previous, self.endpoint = (self.endpoint, self.bucket), endpoint
        self.bucket = bucket
        try:
            yield
        finally:
            self.endpoint, self.bucket = previous

    def send(self, do_request: Callable[[], requests.Response], endpoint: str | None = None) -> requests.Response:
        """Make one request through the policy: wait for a spent budget, retry, back off, or stop."""
        endpoint = endpoint or self.endpoint
        bucket = self.bucket or ("all" if self.shared_limit else endpoint)
        failures = refusals = 0
        while True:
            self._wait_for_budget(endpoint, bucket)
            self.requests[endpoint] += 1
            try:
                response = do_request()
            except NETWORK_ERRORS as exc:
                failures += 1
                if failures > self.retries:
                    raise NetworkFailure(
                        f"{self.platform} {endpoint}: the connection failed {failures} times in a row "
                        f"({type(exc).__name__}); everything fetched so far is saved, run the same command again "
                        "to resume"
                    ) from None
                self._retry_wait(endpoint, failures, None, f"connection failed ({type(exc).__name__})")
                continue
            now = self.clock.now()
            limit = self.limits(response.headers, now)
            if limit is not None:
                self._budgets[bucket] = limit
                spent = limit.remaining is not None and limit.remaining < 1 and limit.reset_at is not None
                if spent and self._remembered is not None:
                    self._remembered.save_rate_budget(self.platform, bucket, limit.remaining, limit.reset_at)
            if self.hide_limit_headers:
                for name in [h for h in response.headers if h.lower().startswith("x-ratelimit-")]:
                    del response.headers[name]
            if response.status_code == 429:
                capped = self.usage_cap(response) if self.usage_cap else None
                if capped:
                    raise UsageCapStop(
                        self.platform, endpoint, None, None,
                        f"the monthly usage cap of your {self.platform} plan is spent (429 UsageCapExceeded: "
                        f"{capped}); waiting does not help: everything fetched so far is saved, run the same "
                        "command again when the cap resets (the next billing period) or after raising the plan",
                    )
                refusals += 1
                self._after_refusal(endpoint, refusals, limit, response.headers, now)
                continue
            if response.status_code in RETRY_STATUSES:
                failures += 1
                status = f"{response.status_code} {response.reason or ''}".strip()
                if failures > self.retries:
                    raise ServerFailure(
                        f"{self.platform} {endpoint}: the server answered {status} {failures} times in a row; "
                        "everything fetched so far is saved, run the same command again later to resume"
                    )
                retry_after = _number(response.headers.get("retry-after"))
                self._retry_wait(endpoint, failures, retry_after, f"server answered {status}")
                continue
            return response

    # -- waits -------------------------------------------------------------------------------

    def _wait_for_budget(self, endpoint: str, bucket: str) -> None:
        budget = self._budgets.get(bucket)
        if budget is None or budget.remaining is None or budget.remaining >= 1 or budget.reset_at is None:
            return
        seconds = budget.reset_at - self.clock.now()
        if seconds > 0:
            self._rate_wait(endpoint, seconds, budget.reset_at, "rate limit used up")
        self._budgets.pop(bucket, None)

    def _after_refusal(
        self, endpoint: str, refusals: int, limit: Limit | None, headers: Mapping[str, str], now: float
    ) -> None:
        if refusals >= self.refusals:
            raise RateLimitStop(
                self.platform, endpoint, None, None,
                f"still rate-limited (429) after {refusals} tries; everything fetched so far is saved, "
                "run the same command again later to resume",
            )
        retry_after = _number(headers.get("retry-after"))
        if limit is not None and limit.reset_at is not None:
            reset_at = limit.reset_at
        elif retry_after is not None:
            reset_at = now + retry_after
        else:
            delay = min(self.backoff_cap, self.backoff_base * 2 ** (refusals - 1))
            self._rate_wait(endpoint, delay, now + delay, "rate limited (429, no reset time given): backing off")
            return
        self._rate_wait(endpoint, max(1.0, reset_at - now), max(reset_at, now + 1.0), "rate limited (429)")

    def _rate_wait(self, endpoint: str, seconds: float, reset_at: float, why: str) -> None:
        if self.max_wait is not None and seconds > self.max_wait:
            raise RateLimitStop(
                self.platform, endpoint, seconds, reset_at,
                f"{why}; the limit resets at {utc_text(reset_at)}, in {duration_text(seconds)}, longer than "
                f"--max-wait {duration_text(self.max_wait)}",
            )
        message = f"{self.platform} {endpoint}: {why}, waiting until {utc_text(reset_at)}"
        logger.log(self._log_level, "%s (%s)", message, duration_text(seconds))
        self._sleep(seconds, message)

    def _retry_wait(self, endpoint: str, failures: int, retry_after: float | None, why: str) -> None:
        delay = min(self.retry_cap, retry_after if retry_after is not None else self.retry_base * 2 ** (failures - 1))
        message = f"{self.platform} {endpoint}: {why}; retry {failures} of {self.retries}"
        logger.log(self._log_level, "%s in %s", message, duration_text(delay))
        self._sleep(delay, message)

    @property
    def _log_level(self) -> int:
        """A wait is logged at INFO when no progress display shows it, else at DEBUG (so ``-v`` shows it once)."""
        return logging.INFO if isinstance(self.progress, NullProgress) else logging.DEBUG

    def _sleep(self, seconds: float, message: str) -> None:
        left = seconds
        while left > 0:
            self.progress.wait(message, left)
            step = min(1.0, left)
            self.clock.sleep(step)
            left -= step
        self.progress.wait(message, 0.0)
        self.waited += seconds


class PolicySession(requests.Session):
    """A ``requests.Session`` whose every request goes through a :class:`RequestPolicy` (with a time-out).

    ``labels`` maps URL fragments to the endpoint name a request is counted under, for requests a
    library makes on its own (praw's OAuth token request).
    """

    def __init__(
        self, policy: RequestPolicy, timeout: float = DEFAULT_TIMEOUT, labels: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self.policy, self.timeout, self.labels = policy, timeout, dict(labels or {})

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """``requests.Session.request`` under the policy."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        parent = super().request
        label = next((name for fragment, name in self.labels.items() if fragment in str(url)), None)
        return self.policy.send(lambda: parent(method, url, *args, **kwargs), label)


class Counted:
    """Adds the requests and waits made inside the block to a report."""

    def __init__(self, policy: RequestPolicy, report: CollectionReport) -> None:
        self._policy, self._report = policy, report

    def __enter__(self) -> None:
        self._before, self._waited = Counter(self._policy.requests), self._policy.waited

    def __exit__(self, *exc: object) -> None:
        for endpoint, count in (self._policy.requests - self._before).items():
            self._report.requests[endpoint] = self._report.requests.get(endpoint, 0) + count
        self._report.waited_seconds += self._policy.waited - self._waited
