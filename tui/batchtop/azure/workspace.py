"""Which workspace to look in: subscription, resource group and workspace name.

Resolved per field, first hit wins, in the order users of the az CLI expect:

1. flags `--subscription`, `-g/--resource-group`, `-w/--workspace`;
2. environment: `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` / `AZURE_DEFAULTS_GROUP`,
   `AZUREML_WORKSPACE_NAME` / `AZURE_DEFAULTS_WORKSPACE` (the az CLI's own env form of
   `az configure --defaults`);
3. a `config.json` found the way `MLClient.from_config` finds it (`.azureml/`, `aml_config/`,
   then the folder itself; `config.json` then `project.json`; walking up to 20 parents);
4. the az CLI's configured defaults: `[defaults] group/workspace` in `$AZURE_CONFIG_DIR/config`
   and the default subscription of `az account set` in `azureProfile.json`.

Each field remembers where it came from so an error can say "resource group from config.json".
"""

from __future__ import annotations

import configparser
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from batchtop.azure.errors import AzureError

ENV_SUBSCRIPTION = ("AZURE_SUBSCRIPTION_ID",)
ENV_GROUP = ("AZURE_RESOURCE_GROUP", "AZURE_DEFAULTS_GROUP")
ENV_WORKSPACE = ("AZUREML_WORKSPACE_NAME", "AZURE_DEFAULTS_WORKSPACE")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Workspace:
    """A fully resolved workspace and, per field, where its value came from."""

    subscription: str
    resource_group: str
    workspace: str
    origin: dict[str, str] = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        return f"workspace {self.workspace} (resource group {self.resource_group})"


def find_config_json(start: Path) -> Path | None:
    """Find config.json like `MLClient.from_config`: same folders, same names, same depth."""
    for folder, name in product((".azureml", "aml_config", None), ("config.json", "project.json")):
        relative = Path(folder, name) if folder else Path(name)
        current = start.resolve()
        for _ in range(21):
            candidate = current / relative
            if candidate.is_file():
                return candidate
            if current.parent == current:
                break
            current = current.parent
    return None


def read_config_json(path: Path) -> dict[str, str]:
    """subscription/resource_group/workspace from a config.json (plain keys or an ARM `Scope`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise AzureError(
            "workspace",
            f"cannot read {path}: {exc}",
            "fix or remove that config.json, or pass -g and -w",
        ) from None
    scope = data.get("Scope") or data.get("scope")
    if isinstance(scope, str) and scope.count("/") >= 8:
        parts = scope.split("/")
        return {"subscription": parts[2], "resource_group": parts[4], "workspace": parts[8]}
    out = {}
    for key, ours in (
        ("subscription_id", "subscription"),
        ("resource_group", "resource_group"),
        ("workspace_name", "workspace"),
    ):
        if isinstance(data.get(key), str) and data[key]:
            out[ours] = data[key]
    return out


def az_config_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("AZURE_CONFIG_DIR") or Path.home() / ".azure")


def read_az_defaults(config_dir: Path) -> dict[str, str]:
    """The az CLI's `az configure --defaults` values and its default subscription."""
    out: dict[str, str] = {}
    parser = configparser.ConfigParser()
    try:
        parser.read(config_dir / "config", encoding="utf-8")
    except (OSError, configparser.Error):
        pass
    if parser.has_section("defaults"):
        for key, ours in (("group", "resource_group"), ("workspace", "workspace")):
            value = parser.get("defaults", key, fallback="").strip()
            if value:
                out[ours] = value
    for sub in _profile_subscriptions(config_dir):
        if sub.get("isDefault") and sub.get("id"):
            out["subscription"] = sub["id"]
            break
    return out


def _profile_subscriptions(config_dir: Path) -> list[dict]:
    try:
        data = json.loads((config_dir / "azureProfile.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return []
    subs = data.get("subscriptions") if isinstance(data, dict) else None
    return [s for s in subs or [] if isinstance(s, dict)]


def subscription_id(value: str, config_dir: Path) -> str:
    """Accept a subscription name like `az --subscription` does, mapping it to its id."""
    if _GUID.match(value):
        return value
    for sub in _profile_subscriptions(config_dir):
        if sub.get("name", "").lower() == value.lower() and sub.get("id"):
            return str(sub["id"])
    return value


def resolve_workspace(
    subscription: str | None = None,
    resource_group: str | None = None,
    workspace: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    start_dir: Path | None = None,
) -> Workspace:
    """Resolve the three fields (see module doc for the order) or say exactly what is missing."""
    env = os.environ if env is None else env
    values: dict[str, str] = {}
    origin: dict[str, str] = {}

    def offer(source: str, found: Mapping[str, str | None]) -> None:
        for key, value in found.items():
            if value and key not in values:
                values[key] = value
                origin[key] = source

    offer(
        "flag",
        {"subscription": subscription, "resource_group": resource_group, "workspace": workspace},
    )
    offer(
        "environment",
        {
            "subscription": _first(env, ENV_SUBSCRIPTION),
            "resource_group": _first(env, ENV_GROUP),
            "workspace": _first(env, ENV_WORKSPACE),
        },
    )
    if len(values) < 3:
        config = find_config_json(start_dir or Path.cwd())
        if config is not None:
            offer(f"config.json ({config})", read_config_json(config))
    config_dir = az_config_dir(env)
    if len(values) < 3:
        offer("az CLI defaults", read_az_defaults(config_dir))

    missing = [k for k in ("subscription", "resource_group", "workspace") if k not in values]
    if missing:
        names = {
            "subscription": "subscription (--subscription)",
            "resource_group": "resource group (-g)",
            "workspace": "workspace (-w)",
        }
        raise AzureError(
            "workspace",
            "no " + " and no ".join(names[m] for m in missing) + " given.",
            "pass --subscription SUB -g RESOURCE_GROUP -w WORKSPACE, or run "
            "`az account set -s SUB` and `az configure --defaults group=RG workspace=WS`, "
            "or download the workspace's config.json into this folder.",
        )
    return Workspace(
        subscription_id(values["subscription"], config_dir),
        values["resource_group"],
        values["workspace"],
        origin,
    )


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if env.get(name):
            return env[name]
    return None
