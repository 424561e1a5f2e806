"""Credentials: environment over .env, masked display, redaction in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from collectors.credentials import (
    CredentialError,
    Secret,
    environment,
    install_log_redaction,
    mask,
    redact,
    reddit_credentials,
    x_bearer_token,
)

TOKEN = "AAAAAAAAAAAAAAAAAAAAAPlantedTokenForCredentialTests9z8Y"


def test_mask_shows_at_most_the_last_four_characters() -> None:
    assert mask(TOKEN) == "****" + TOKEN[-4:]
    assert TOKEN not in mask(TOKEN) and TOKEN[:-4] not in mask(TOKEN)
    assert mask("short-secret") == "****"


def test_a_secret_is_masked_in_str_and_repr() -> None:
    secret = Secret("X_BEARER_TOKEN", TOKEN)
    assert TOKEN not in str(secret) and TOKEN not in repr(secret) and TOKEN not in f"{secret!r} {secret}"
    assert "X_BEARER_TOKEN" in str(secret)


def test_the_environment_wins_over_the_env_file_and_the_file_fills_the_rest(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("X_BEARER_TOKEN=from-file-0000000000\nREDDIT_USER_AGENT=agent from file\n", encoding="utf-8")
    env = environment({"X_BEARER_TOKEN": "from-env-00000000000"}, env_file)
    assert env["X_BEARER_TOKEN"] == "from-env-00000000000"
    assert env["REDDIT_USER_AGENT"] == "agent from file"


def test_the_env_file_can_be_named_by_a_variable(tmp_path: Path) -> None:
    env_file = tmp_path / "secrets.env"
    env_file.write_text("TWITTER_BEARER_TOKEN=legacy-name-token-123\n", encoding="utf-8")
    env = environment({"SOCIALSTAGE_ENV_FILE": str(env_file)})
    assert x_bearer_token(env).name == "TWITTER_BEARER_TOKEN"


def test_reading_the_env_file_does_not_change_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REDDIT_CLIENT_ID", raising=False)
    (tmp_path / ".env").write_text("REDDIT_CLIENT_ID=abc123clientid\n", encoding="utf-8")
    assert environment()["REDDIT_CLIENT_ID"] == "abc123clientid"
    import os

    assert "REDDIT_CLIENT_ID" not in os.environ


def test_x_bearer_token_prefers_x_and_accepts_the_twitter_name() -> None:
    assert x_bearer_token({"X_BEARER_TOKEN": "a" * 20, "TWITTER_BEARER_TOKEN": "b" * 20}).value == "a" * 20
    assert x_bearer_token({"TWITTER_BEARER_TOKEN": "b" * 20}).value == "b" * 20


def test_a_missing_x_token_names_the_variable() -> None:
    with pytest.raises(CredentialError, match="X_BEARER_TOKEN is not set"):
        x_bearer_token({"X_BEARER_TOKEN": "  "})


def test_missing_reddit_credentials_are_all_named() -> None:
    with pytest.raises(CredentialError) as caught:
        reddit_credentials({"REDDIT_CLIENT_ID": "id-0000000000"})
    assert "REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT are not set" in str(caught.value)
    creds = reddit_credentials({"REDDIT_CLIENT_ID": "id-0000000000", "REDDIT_CLIENT_SECRET": TOKEN,
                                "REDDIT_USER_AGENT": "socialstage tests by u/someone"})
    assert creds.client_secret.value == TOKEN and TOKEN not in repr(creds)


def test_redact_replaces_every_registered_value() -> None:
    Secret("REDDIT_CLIENT_SECRET", TOKEN)
    text = f"Authorization: Bearer {TOKEN}; again {TOKEN}"
    assert TOKEN not in redact(text)
    assert redact(text).count(mask(TOKEN)) == 2


def test_tweepy_debug_log_of_request_headers_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    Secret("X_BEARER_TOKEN", TOKEN)
    install_log_redaction()
    with caplog.at_level(logging.DEBUG, logger="tweepy.client"):
        logging.getLogger("tweepy.client").debug("Headers: %s", {"Authorization": f"Bearer {TOKEN}"})
    assert "Headers:" in caplog.text
    assert TOKEN not in caplog.text
    assert mask(TOKEN) in caplog.text
