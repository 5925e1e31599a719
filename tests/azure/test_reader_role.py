"""The Reader role (issue 10 item 4, code review finding 5): listSecrets refused.

Reader may read the workspace and its jobs but not `datastores/listSecrets/action`, so the
datastore's key or SAS is out of reach. azure-ai-ml's `get_datastore_info` then uses the
signed-in credential for storage; batchtop must do the same instead of exiting 3 with advice to
get the Reader role (the very role that lacks the permission).

The scenario: the emulator answers listSecrets 403 AuthorizationFailed (ARM's shape), and the
datastore points at an HTTPS proxy in front of Azurite that checks Azure AD tokens as storage
does (bearer tokens are accepted over HTTPS only: azure-storage-blob refuses to send them over
HTTP). The real azure-ai-ml, azure-identity and azure-storage-blob code runs throughout.
"""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager

import pytest
from azure_blobproxy import BlobProxy
from conftest import AZURITE_ACCOUNT, AZURITE_KEY, ROOT, LogTree
from test_faults import assert_no_secrets
from test_once import cli_args

from batchtop.cli import main

PUBLIC = "azureml-blobstore-reader"
STORE = "workspaceartifactstore"
FIXTURE = ROOT / "fixtures" / "v2-completed"


@pytest.fixture(scope="module")
def reader_storage(emulator, azurite_port):
    """(container, proxy, roles): the container (written with the key, as the runtime
    writes), the HTTPS token-checking proxy in front of it, and the identity's data roles."""
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(f"http://127.0.0.1:{azurite_port}/{AZURITE_ACCOUNT}",
                                credential={"account_name": AZURITE_ACCOUNT,
                                            "account_key": AZURITE_KEY})
    container = service.get_container_client(PUBLIC)
    try:
        container.create_container(public_access="container")
    except ResourceExistsError:
        pass
    roles = {"Storage Blob Data Reader": True}

    def authorize(token: str) -> tuple[int, str] | None:
        if not emulator.storage_token(token):
            return 401, "InvalidAuthenticationInfo"
        if not roles["Storage Blob Data Reader"]:
            return 403, "AuthorizationPermissionMismatch"
        return None

    proxy = BlobProxy(azurite_port, tls=(emulator.cert, emulator.key), authorize=authorize)
    proxy.start()
    yield container, proxy, roles
    proxy.stop()


@contextmanager
def reader_workspace(emu, proxy):
    """The artifact store lives behind the HTTPS proxy, and our identity is a Reader."""
    saved = copy.deepcopy((emu.state.datastores[STORE], emu.state.secrets[STORE]))
    emu.add_blob_datastore(STORE, AZURITE_ACCOUNT, PUBLIC, endpoint=f"127.0.0.1:{proxy.port}",
                           protocol="https", key=AZURITE_KEY)
    emu.deny_list_secrets(STORE)
    try:
        yield
    finally:
        emu.state.datastores[STORE], emu.state.secrets[STORE] = saved
        emu.state.list_secrets_denied.clear()


def reader_job(emu, container, job_name, created: str = "2023-05-16T23:55:00Z") -> None:
    child = emu.run_id()
    emu.add_job(job_name, status="Completed", created=created,
                children=[emu.run(child, display="batchscoring", status="Completed", created=created)])
    LogTree(container, child).write_tree(FIXTURE)


def test_reader_role_follows_the_job_with_its_own_sign_in(emu, reader_storage, job_name, capsys):
    container, proxy, roles = reader_storage
    main(["--dir", str(FIXTURE), "--once", "--json"])
    from_dir = json.loads(capsys.readouterr().out)
    reader_job(emu, container, job_name, created=from_dir["started_at"])
    proxy.reset_counters()
    with reader_workspace(emu, proxy):
        code = main(cli_args(emu, job_name, "--once", "--json"))
    out, err = capsys.readouterr()
    assert err == ""
    assert code == 0
    assert emu.calls_to("secrets") >= 1  # it asked, was refused, and went on
    assert proxy.reads > 0  # the logs came through storage with a bearer token
    from_azure = json.loads(out)
    # the service names the compute; a log tree does not
    assert (from_azure.pop("compute"), from_dir.pop("compute")) == ("cpu-cluster", None)
    for data in (from_azure, from_dir):
        data.pop("job"), data.pop("source")
    assert from_azure == from_dir
    assert_no_secrets(emu, out, err)


def test_reader_without_a_storage_data_role_is_told_what_to_ask_for(emu, reader_storage,
                                                                      job_name, capsys):
    container, proxy, roles = reader_storage
    reader_job(emu, container, job_name)
    roles["Storage Blob Data Reader"] = False
    try:
        with reader_workspace(emu, proxy):
            code = main(cli_args(emu, job_name, "--once", "--json"))
    finally:
        roles["Storage Blob Data Reader"] = True
    out, err = capsys.readouterr()
    assert code == 3
    (line,) = err.strip().splitlines()
    assert "Storage Blob Data Reader" in line
    assert "or Reader" not in line  # not the advice to get the role that lacks listSecrets
    assert_no_secrets(emu, out, err)


def test_a_refused_workspace_read_is_still_a_sign_in_failure(emu, reader_storage, job_name,
                                                             capsys):
    """Only listSecrets falls back: a 403 on the datastore itself means no workspace access."""
    from azure_emulator import Fault

    container, proxy, roles = reader_storage
    reader_job(emu, container, job_name)
    with reader_workspace(emu, proxy):
        emu.inject("datastore", *[Fault(403, body={"error": {"code": "AuthorizationFailed",
                                                              "message": "no read"}})] * 2)
        code = main(cli_args(emu, job_name, "--once", "--json"))
    err = capsys.readouterr().err
    assert code == 3 and "sign-in failed" in err
