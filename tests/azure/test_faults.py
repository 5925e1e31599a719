"""Every fault of issue 4, injected at the emulators: one clear line, exit 3, no secrets."""

from __future__ import annotations

import logging
import threading
import time

from azure_blobproxy import ProxyFault
from azure_emulator import Fault

# at import time, when `conftest` is still this folder's (pytest reuses the module name for
# every folder's conftest.py; a later import inside a test could get another folder's)
from conftest import AZURITE_ACCOUNT, AZURITE_KEY, CONTAINER, LogTree, ws_args

from batchtop.azure.follow import FollowStatus, PollTimer
from batchtop.azure.run import open_job, run_once
from batchtop.cli import main

OVERVIEW = "logs/job_progress_overview.2024051622.txt"
LINE = b"2024-05-16T22:01:00 Start scheduling.\n"


def assert_no_secrets(emu, *texts: str) -> None:
    """No bearer token the emulator issued, no account key, no SAS signature, anywhere."""
    secrets = [*emu.state.tokens_issued, AZURITE_KEY, "sig=", "Bearer ey"]
    secrets += [s.get("sasToken", "") for s in emu.state.secrets.values()]
    for text in texts:
        for secret in filter(None, secrets):
            assert secret not in text, f"secret leaked: {secret[:12]}..."


def simple_job(emu, container, job_name: str) -> LogTree:
    emu.add_job(job_name, job_type="Command", status="Running")
    tree = LogTree(container, job_name)
    tree.append(OVERVIEW, LINE)
    return tree


def cli(emu, job: str, *extra: str) -> list[str]:
    s = emu.state
    return [job, "--subscription", s.subscription, "-g", s.resource_group, "-w", s.workspace,
            "--once", "--json", *extra]


def test_wrong_job_name_says_so_and_suggests(emu, container, job_name, capsys):
    simple_job(emu, container, job_name)
    assert main(cli(emu, job_name[:-1] + "x")) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("batchtop: job failed: no job named")
    assert f"Did you mean: {job_name}" in err and "az ml job list" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_wrong_workspace_is_a_clear_error(emu, capsys):
    s = emu.state
    code = main(["any-job", "--subscription", s.subscription, "-g", s.resource_group,
                 "-w", "nope-ws", "--once"])
    err = capsys.readouterr().err
    assert code == 3 and "nope-ws" in err and "Traceback" not in err


def test_expired_token_is_reacquired_once(emu, container, job_name, capsys):
    simple_job(emu, container, job_name)
    # Sign in, then the service starts rejecting every token issued so far (expiry).
    args = ws_args(emu)
    issued_before = len(emu.state.tokens_issued)
    emu.state.rejected_tokens.update(emu.state.tokens_issued)
    assert run_once(args, job_name) == 0
    out = capsys.readouterr()
    assert len(emu.state.tokens_issued) > issued_before
    assert_no_secrets(emu, out.out, out.err)


def test_rejected_token_twice_says_az_login(emu, container, job_name, capsys):
    simple_job(emu, container, job_name)
    # Every token is refused, even fresh ones.
    emu.inject("job", *[Fault(401, body={"error": {
        "code": "InvalidAuthenticationToken",
        "message": "Bearer eyJhbGciOi.leaked.x rejected"}})] * 6)
    assert main(cli(emu, job_name)) == 3
    out = capsys.readouterr()
    assert "sign-in failed" in out.err and "az login" in out.err
    assert len(out.err.strip().splitlines()) == 1 and out.out == ""
    assert_no_secrets(emu, out.out, out.err)


def test_forbidden_names_the_missing_role(emu, container, job_name, capsys):
    simple_job(emu, container, job_name)
    emu.inject("job", *[Fault(403, body={"error": {"code": "AuthorizationFailed",
                                                   "message": "no access"}})] * 2)
    assert main(cli(emu, job_name)) == 3
    err = capsys.readouterr().err
    assert "role" in err and "AzureML Data Scientist" in err


def test_control_plane_throttling_honours_retry_after(emu, container, job_name, capsys):
    simple_job(emu, container, job_name)
    emu.inject("job", Fault(429, {"Retry-After": "1"}, {"error": {"code": "TooManyRequests",
                                                                  "message": "slow down"}}))
    started = time.monotonic()
    assert main(cli(emu, job_name)) == 0
    assert time.monotonic() - started >= 1.0
    capsys.readouterr()


def test_control_plane_unreachable_is_a_network_error(emu, container, job_name, capsys):
    simple_job(emu, container, job_name)
    emu.inject("job", *[Fault(0, drop=True)] * 8)
    assert main(cli(emu, job_name)) == 3
    err = capsys.readouterr().err
    assert "network failed" in err and "Traceback" not in err


def test_no_credential_at_all_says_how_to_sign_in(emu, job_name, capsys, monkeypatch,
                                                   tmp_path):
    monkeypatch.delenv("IDENTITY_ENDPOINT")
    monkeypatch.delenv("IDENTITY_HEADER")
    monkeypatch.setenv("PATH", str(tmp_path))  # no az CLI, no azd, no pwsh
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "dev")  # skip the IMDS probe (slow offline)
    assert main(cli(emu, job_name)) == 3
    err = capsys.readouterr().err
    assert err.startswith("batchtop: sign-in failed") and "az login" in err
    assert len(err.strip().splitlines()) == 1


def test_storage_sas_expiry_is_renewed_once(emu, container, job_name, capsys, blob_proxy):
    simple_job(emu, container, job_name)
    blob_proxy.inject(ProxyFault(403, kind="list"))
    secrets_before = emu.calls_to("secrets")
    assert main(cli(emu, job_name)) == 0
    capsys.readouterr()
    assert emu.calls_to("secrets") == secrets_before + 2  # first resolution + the renewal


def test_storage_refusing_twice_is_fatal_and_leaks_no_sas(emu, container, job_name, capsys,
                                                          blob_proxy):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    simple_job(emu, container, job_name)
    saved = dict(emu.state.secrets["workspaceartifactstore"])
    sas = generate_container_sas(AZURITE_ACCOUNT, CONTAINER, account_key=AZURITE_KEY,
                                 permission=ContainerSasPermissions(read=True, list=True),
                                 expiry=time.time() + 3600)
    emu.state.secrets["workspaceartifactstore"] = {"secretsType": "Sas", "sasToken": sas}
    emu.state.datastores["workspaceartifactstore"]["properties"]["credentials"] = {
        "credentialsType": "Sas"}
    try:
        blob_proxy.inject(ProxyFault(403, kind="list"), ProxyFault(403, kind="list"))
        assert main(cli(emu, job_name)) == 3
        out = capsys.readouterr()
        assert "storage sign-in failed" in out.err
        assert_no_secrets(emu, out.out, out.err)
        # And with the SAS accepted, the same job reads fine through the SAS.
        assert main(cli(emu, job_name)) == 0
        capsys.readouterr()
    finally:
        emu.state.secrets["workspaceartifactstore"] = saved
        emu.state.datastores["workspaceartifactstore"]["properties"]["credentials"] = {
            "credentialsType": "AccountKey"}


def test_storage_busy_backs_off_keeps_data_and_recovers(emu, container, job_name,
                                                        blob_proxy):
    tree = simple_job(emu, container, job_name)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    statuses: list[FollowStatus] = []
    got: list[bytes] = []

    class Sink:
        def feed(self, path: str, data: bytes) -> None:
            got.append(data)

        def reset(self, path: str) -> None:
            pass

    stop = threading.Event()
    thread = threading.Thread(target=target.follow, args=(Sink(), stop),
                              kwargs={"on_status": statuses.append}, daemon=True)
    thread.start()
    _wait(lambda: got)
    blob_proxy.inject(ProxyFault(503, {"Retry-After": "1"}, kind="list"),
                      ProxyFault(429, {"Retry-After": "1"}, kind="list"),
                      ProxyFault(drop=True, kind="list"))
    tree.append(OVERVIEW, b"2024-05-16T22:02:00 Scheduled 5 mini batches in 1.0 seconds.\n")
    _wait(lambda: len(got) >= 2, timeout=15)
    stop.set()
    thread.join(timeout=5)

    failures = [s for s in statuses if not s.ok]
    assert len(failures) == 3
    assert [f.next_poll_in for f in failures[:2]] == [1.0, 1.0]  # Retry-After honoured
    assert all(f.last_ok is not None and f.age() is not None for f in failures)
    assert "503" in failures[0].error and "429" in failures[1].error
    assert "connection" in failures[2].error
    assert b"".join(got) == LINE + b"2024-05-16T22:02:00 Scheduled 5 mini batches in 1.0 seconds.\n"
    assert statuses[-1].ok


def test_poll_interval_adapts():
    timer = PollTimer(fast=2.0, slow=30.0, grow=1.5)
    assert timer.next_delay(changed=True, pending=False) == 2.0
    idle = [timer.next_delay(changed=False, pending=False) for _ in range(10)]
    assert idle[0] == 3.0 and idle[-1] == 30.0 and idle == sorted(idle)
    assert timer.next_delay(changed=True, pending=False) == 2.0
    assert timer.next_delay(changed=True, pending=True) == 0.0  # more bytes waiting: go on
    assert timer.backoff(7.0) == 7.0
    assert [timer.backoff(None) for _ in range(3)] == [8.0, 16.0, 32.0]  # 2 s doubling


def test_sdk_logging_at_debug_leaks_no_token(emu, container, job_name, capsys, caplog):
    simple_job(emu, container, job_name)
    caplog.set_level(logging.DEBUG)
    assert run_once(ws_args(emu, verbose=True), job_name) == 0
    out = capsys.readouterr()
    assert caplog.records  # the SDK did log
    assert_no_secrets(emu, caplog.text, out.out, out.err)


def _wait(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
