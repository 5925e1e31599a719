"""Workspace resolution order and secret redaction: plain unit tests, no emulator needed."""

from __future__ import annotations

import json

import pytest

from batchtop.azure.errors import AzureError, redact, register_secret
from batchtop.azure.workspace import resolve_workspace

SUB = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def azdir(tmp_path):
    d = tmp_path / "azure"
    d.mkdir()
    (d / "config").write_text("[defaults]\ngroup = rg-az\nworkspace = ws-az\n")
    (d / "azureProfile.json").write_text("\ufeff" + json.dumps({"subscriptions": [
        {"id": "99999999-0000-0000-0000-000000000000", "name": "Other", "isDefault": False},
        {"id": SUB, "name": "Team Sub", "isDefault": True}]}), encoding="utf-8")
    return d


def test_az_cli_defaults_are_the_last_resort(tmp_path, azdir):
    ws = resolve_workspace(env={"AZURE_CONFIG_DIR": str(azdir)}, start_dir=tmp_path)
    assert (ws.subscription, ws.resource_group, ws.workspace) == (SUB, "rg-az", "ws-az")
    assert set(ws.origin.values()) == {"az CLI defaults"}


def test_config_json_beats_az_defaults_and_is_found_upwards(tmp_path, azdir):
    (tmp_path / ".azureml").mkdir()
    (tmp_path / ".azureml" / "config.json").write_text(json.dumps(
        {"subscription_id": SUB, "resource_group": "rg-cfg", "workspace_name": "ws-cfg"}))
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    ws = resolve_workspace(env={"AZURE_CONFIG_DIR": str(azdir)}, start_dir=deep)
    assert (ws.resource_group, ws.workspace) == ("rg-cfg", "ws-cfg")
    assert ws.origin["workspace"].startswith("config.json")


def test_env_beats_config_and_flags_beat_env(tmp_path, azdir):
    (tmp_path / "config.json").write_text(json.dumps({"Scope": (
        f"/subscriptions/{SUB}/resourceGroups/rg-scope/providers/"
        "Microsoft.MachineLearningServices/workspaces/ws-scope")}))
    env = {"AZURE_CONFIG_DIR": str(azdir), "AZURE_DEFAULTS_GROUP": "rg-env"}
    ws = resolve_workspace(env=env, start_dir=tmp_path)
    assert (ws.resource_group, ws.workspace) == ("rg-env", "ws-scope")
    ws = resolve_workspace(resource_group="rg-flag", workspace="ws-flag", env=env,
                           start_dir=tmp_path)
    assert (ws.resource_group, ws.workspace) == ("rg-flag", "ws-flag")
    assert ws.origin == {"resource_group": "flag", "workspace": "flag",
                         "subscription": "config.json (%s)" % (tmp_path / "config.json")}


def test_subscription_name_maps_to_id(tmp_path, azdir):
    ws = resolve_workspace(subscription="team sub", env={"AZURE_CONFIG_DIR": str(azdir)},
                           start_dir=tmp_path)
    assert ws.subscription == SUB


def test_missing_fields_say_what_to_run(tmp_path):
    with pytest.raises(AzureError) as info:
        resolve_workspace(env={"AZURE_CONFIG_DIR": str(tmp_path)}, start_dir=tmp_path)
    text = str(info.value)
    assert info.value.exit_code == 3
    assert "no subscription (--subscription) and no resource group (-g)" in text
    assert "az configure --defaults group=RG workspace=WS" in text


def test_redaction_of_tokens_sas_and_keys():
    register_secret("c2VjcmV0LWtleS12YWx1ZQ==")
    text = redact(
        "GET https://acc.blob.core.windows.net/c/b?sv=2021-08-06&se=2024-01-01&sr=c&sp=rl"
        "&sig=AbC%2Fdef%3D Authorization: Bearer eyJ0eXAi.eyJzdWIi.c2ln "
        "DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;"
        ' {"access_token": "abcdefghijklmnop"} key c2VjcmV0LWtleS12YWx1ZQ==')
    for leaked in ("AbC%2Fdef", "eyJ0eXAi", "c2VjcmV0", "abcdefghijklmnop", "2024-01-01"):
        assert leaked not in text
    assert "acc.blob.core.windows.net/c/b" in text  # the useful part stays
