"""Device-code sign-in remembered between runs, a later prompt shown in the header, and
Retry-After parsed by azure-core (seconds or an HTTP date)."""

from __future__ import annotations

import stat
import time
from email.utils import formatdate

import pytest
from azure_blobproxy import ProxyFault

# at import time, when `conftest` is still this folder's (see test_faults.py)
from conftest import LogTree, ws_args

from batchtop.azure.cli import LiveAzure
from batchtop.azure.credentials import (
    SignInPrompt,
    load_record,
    make_credential,
    record_path,
    save_record,
)
from batchtop.azure.errors import TransientError
from batchtop.azure.follow import poll_once
from batchtop.azure.run import open_job

OVERVIEW = "logs/job_progress_overview.2023051622.txt"
# Real v2 overview line (evidence.md §1, source I2: azure-sdk-for-python#30421).
PROGRESS = (
    b"2023-05-16T22:20:53.233813 Processed 4117 of 20000 mini batches in 5:02:14. "
    b"Estimated remaining time 19:25:59.\n"
)


def _record():
    from azure.identity import AuthenticationRecord

    return AuthenticationRecord(
        tenant_id="72f988bf-0000-0000-0000-000000000000",
        client_id="04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        authority="login.microsoftonline.com",
        home_account_id="uid.utid",
        username="someone@example.com",
    )


def test_device_code_record_is_saved_user_only_and_reused(tmp_path, monkeypatch):
    """Before: every `--device-code` run built a bare DeviceCodeCredential (no cache, no
    record) and prompted again."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = record_path()
    assert load_record(None) is None
    save_record(_record())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "secret" not in path.read_text() and "token" not in path.read_text().lower()
    assert load_record(None).username == "someone@example.com"
    assert load_record("another-tenant") is None  # a record of another tenant is not used

    credential = make_credential(device_code=True)
    # azure-identity keeps the record on the credential (what makes the silent sign-in work)
    assert credential._auth_record is not None
    assert credential._auth_record.home_account_id == "uid.utid"
    # and its persistent cache is on (tokens outlive the process)
    assert credential._cache_options.name == "batchtop"


def test_a_sign_in_prompt_while_following_is_in_the_header(emu, container, job_name):
    """A prompt printed to stderr is invisible under the TUI's alternate screen."""
    emu.add_job(job_name, job_type="Command", status="Running")
    LogTree(container, job_name).append(OVERVIEW, PROGRESS)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    live = LiveAzure(target)
    assert live.note() is None
    prompt = target.session.credential.prompt
    assert isinstance(prompt, SignInPrompt)
    prompt("https://microsoft.com/devicelogin", "ABCD-1234", None)
    assert live.note() == "sign in: open https://microsoft.com/devicelogin, code ABCD-1234"
    target.session.credential.get_token("https://management.azure.com/.default")
    assert live.note() is None  # signed in: the note goes


@pytest.mark.parametrize("kind", ["seconds", "http-date"])
def test_retry_after_is_parsed_by_azure_core(emu, container, job_name, blob_proxy, kind):
    """Storage throttling with `Retry-After` as an HTTP date was read as 'no advice' before."""
    emu.add_job(job_name, job_type="Command", status="Running")
    LogTree(container, job_name).append(OVERVIEW, PROGRESS)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    value = "4" if kind == "seconds" else formatdate(time.time() + 4, usegmt=True)
    blob_proxy.inject(ProxyFault(503, {"Retry-After": value}, kind="list"))
    with pytest.raises(TransientError) as info:
        poll_once(target.source)
    assert info.value.retry_after is not None and 2.0 <= info.value.retry_after <= 4.0


@pytest.mark.parametrize(
    "uri,expected",
    [
        (
            "azureml://datastores/workspaceartifactstore/paths/ExperimentRun/dcid.x/",
            ("workspaceartifactstore", "ExperimentRun/dcid.x/"),
        ),
        ("azureml://datastores/ds1/ExperimentRun/dcid.y", ("ds1", "ExperimentRun/dcid.y")),
        (
            "azureml://subscriptions/s/resourcegroups/r/workspaces/w/datastores/ds2/paths/a/b/",
            ("ds2", "a/b/"),
        ),
    ],
)
def test_datastore_uri_fallback_parses_like_the_sdk(uri, expected):
    """The private SDK parser and our fallback for a release without it agree."""
    from batchtop.azure.store import parse_datastore_uri, parse_datastore_uri_by_pattern

    assert parse_datastore_uri(uri) == expected
    assert parse_datastore_uri_by_pattern(uri) == expected
    assert parse_datastore_uri_by_pattern("azureml://jobs/x/outputs/default") is None
    assert parse_datastore_uri("azureml://jobs/x/outputs/default") is None  # default place


def test_first_device_code_sign_in_saves_the_record(tmp_path, monkeypatch):
    """The first run authenticates once and keeps the record; the next run has it."""
    from batchtop.azure.credentials import NEEDS_RECORD, RenewableCredential, check_sign_in

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    first = make_credential(device_code=True)
    assert getattr(first, NEEDS_RECORD) is True
    calls: list[list[str]] = []

    def authenticate(scopes):  # the device-code exchange itself needs a real tenant
        calls.append(scopes)
        return _record()

    monkeypatch.setattr(first, "authenticate", authenticate)
    check_sign_in(RenewableCredential(lambda: first), "https://management.azure.com/.default")
    assert calls == [["https://management.azure.com/.default"]]
    again = make_credential(device_code=True)
    assert getattr(again, NEEDS_RECORD) is False
    assert again._auth_record.username == "someone@example.com"
