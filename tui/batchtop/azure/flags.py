"""The Azure flags of the command line, with no Azure SDK import: `batchtop --dir` builds its
parser with them and must not pay the SDK's ~0.35 s import to do so."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_azure_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags named as the az CLI names them, plus batchtop's own Azure options."""
    group = parser.add_argument_group("Azure ML workspace (when following a job by name)")
    group.add_argument(
        "--subscription",
        metavar="ID_OR_NAME",
        help="subscription (default: $AZURE_SUBSCRIPTION_ID, config.json, `az account set`)",
    )
    group.add_argument(
        "-g",
        "--resource-group",
        metavar="NAME",
        help="resource group (default: $AZURE_RESOURCE_GROUP, config.json, "
        "`az configure --defaults group=`)",
    )
    group.add_argument(
        "-w",
        "--workspace",
        "--workspace-name",
        dest="workspace",
        metavar="NAME",
        help="workspace (default: $AZUREML_WORKSPACE_NAME, config.json, "
        "`az configure --defaults workspace=`)",
    )
    group.add_argument(
        "--step",
        metavar="NAME",
        help="child step to follow when the job is a pipeline with several",
    )
    group.add_argument(
        "--device-code",
        action="store_true",
        help="sign in with a device code (SSH box without az login)",
    )
    group.add_argument("--tenant", metavar="ID", help="tenant for --device-code")
    group.add_argument(
        "--save",
        metavar="DIR",
        type=Path,
        help="mirror fetched logs into DIR (reopen with --dir DIR; a restart "
        "resumes without re-fetching)",
    )
    group.add_argument(
        "--poll",
        metavar="SECONDS",
        type=float,
        default=2.0,
        help="fastest poll interval while logs change (default 2; idle polls slow down to 30)",
    )
