"""Heavy libraries load only in the commands that need them (the audit's start-up time depends on it)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("tweepy", "praw", "matplotlib", "atproto_client")


def _loaded_after(code: str, modules: tuple[str, ...] = HEAVY) -> dict[str, bool]:
    """Which of ``modules`` a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {list(modules)!r}}}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_and_the_audit_module_do_not_import_heavy_libraries() -> None:
    loaded = _loaded_after(
        "from click.testing import CliRunner\nfrom socialstage.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\nimport socialstage.audit.placement"
    )
    assert set(loaded) == set(HEAVY)
    assert not any(loaded.values()), f"imported: {[m for m, on in loaded.items() if on]}"


def test_the_probe_sees_an_import() -> None:
    assert _loaded_after("import email.mime.text", ("email.mime.text", "tweepy")) == {
        "email.mime.text": True, "tweepy": False}


def test_version_help_and_the_command_modules_load_neither_pandas_nor_numpy() -> None:
    # start-up: `socialstage --version` and `--help` import the command modules, and nothing of the columnar stack
    loaded = _loaded_after(
        "from click.testing import CliRunner\nfrom socialstage.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--version']).exit_code == 0\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "import socialstage.cli.posts, socialstage.cli.score, socialstage.cli.collect, socialstage.cli.model, "
        "socialstage.cli.dataset, socialstage.cli.options, socialstage.cli.audit, socialstage.cli.demo, "
        "socialstage.cli.imports, socialstage.cli.store, socialstage.cli.live_collection",
        ("pandas", "numpy", "pyarrow", "sklearn", "polars", "duckdb", *HEAVY),
    )
    assert not any(loaded.values()), f"imported: {[m for m, on in loaded.items() if on]}"


def test_version_imports_no_command_module_and_no_rich() -> None:
    # start-up: the group serves its commands by name (socialstage.cli.group.COMMANDS) and imports one only when used
    from socialstage.cli.group import COMMANDS

    modules = (*sorted({target.split(":")[0] for target in COMMANDS.values()}), "rich", "store", "collectors")
    loaded = _loaded_after(
        "from click.testing import CliRunner\nfrom socialstage.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--version']).exit_code == 0", modules)
    assert not any(loaded.values()), f"imported: {[m for m, on in loaded.items() if on]}"
    used = _loaded_after(
        "from click.testing import CliRunner\nfrom socialstage.cli import cli\n"
        "assert CliRunner().invoke(cli, ['posts', '--help']).exit_code == 0", modules)
    assert used["socialstage.cli.posts"] and not used["socialstage.cli.score"], used


def test_every_registered_command_is_the_command_of_its_name() -> None:
    import click

    from socialstage.cli import cli
    from socialstage.cli.group import COMMANDS, load_command

    assert cli.list_commands(click.Context(cli)) == sorted(COMMANDS)
    for name in COMMANDS:
        assert load_command(name).name == name
    assert cli.get_command(click.Context(cli), "no-such-command") is None


#: What an audit from a posts file does not need: the store and its SQLite, the live collection's modules, the
#: stream readers (a CSV file is no stream), the package metadata (the sentiment version is for stored scores),
#: process pools, and the heavy libraries of other commands.
NOT_FOR_A_FILE_AUDIT = (
    "store", "store.database", "sqlite3", "socialstage.audit.collection", "collectors.credentials", "dotenv",
    "platformdirs", "collectors.streams", "collectors.twarc", "importlib.metadata", "multiprocessing",
    "concurrent.futures.process", "polars", "duckdb", "jinja2", "matplotlib", "sklearn", "scipy", "skops", "dask",
    "socialstage.report", *HEAVY,
)


def test_an_audit_from_a_posts_file_loads_only_what_it_uses(tmp_path) -> None:
    # start-up of `socialstage audit --posts FILE`: every module below is deferred to the command that needs it
    from pathlib import Path

    posts = Path(__file__).parent / "fixtures" / "acme_posts.csv"
    loaded = _loaded_after(
        "from click.testing import CliRunner\nfrom socialstage.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['audit', '--posts', {str(posts)!r}, '--org', 'Acme', "
        "'--account', 'twitter:AcmeHelp'])\nassert result.exit_code == 0, result.output\n"
        "import features.message_types as mt\nassert mt._packaged_model.cache_info().currsize == 1",
        NOT_FOR_A_FILE_AUDIT)
    assert not any(loaded.values()), f"imported: {[m for m, on in loaded.items() if on]}"
    assert set(loaded) == set(NOT_FOR_A_FILE_AUDIT)
