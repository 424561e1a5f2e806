"""Write the README's example files from the simulator (no third-party data): ``posts.csv`` (the import format),
``competitors.csv`` (a score list) and ``organizations.toml`` (an organizations file).

The same seed gives the same files. Run from anywhere: ``python examples/make_examples.py`` writes beside itself.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from collectors.simulated import posts_frame, simulate_org

#: The example organizations: name and the stage the simulator generates it at.
ORGANIZATIONS = (("Acme", 5), ("Brightline", 3), ("Corvid", 2), ("Dunmore", 6))
SEED = 11
WEEKS = 6
HERE = Path(__file__).resolve().parent


def build() -> dict[str, str]:
    """The three files' contents, by file name."""
    simulated = [simulate_org(stage, seed=SEED, name=name, weeks=WEEKS) for name, stage in ORGANIZATIONS]
    posts = posts_frame(simulated).sort_values(["created_at", "post_id"], kind="stable")
    listing = io.StringIO()
    writer = csv.writer(listing, lineterminator="\n")
    writer.writerow(["org", "platform", "handle", "department"])
    toml = ["# The example organizations of the README, made by examples/make_examples.py (simulated).", ""]
    for org in simulated:
        toml += ["[[organization]]", f'name = "{org.organization.name}"', "accounts = ["]
        for account in org.organization.accounts:
            writer.writerow([org.organization.name, account.platform, account.handle, account.department or ""])
            toml.append(f'    {{ platform = "{account.platform}", handle = "{account.handle}", '
                        f'department = "{account.department}" }},')
        toml += ["]", ""]
    return {
        "posts.csv": posts.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ", lineterminator="\n"),
        "competitors.csv": listing.getvalue(),
        "organizations.toml": "\n".join(toml),
    }


def main(folder: Path = HERE) -> int:
    """Write the files into ``folder``."""
    for name, text in build().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
