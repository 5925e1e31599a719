"""A loopback HTTPS stand-in for the few Azure control-plane calls azure-ai-ml makes for batchtop.

The real SDK (MLClient, DefaultAzureCredential via its managed-identity path) runs against it, so
the tests exercise the real request shapes: cloud metadata (ARM_CLOUD_METADATA_URL), managed
identity tokens (IDENTITY_ENDPOINT), ARM job/workspace/datastore GETs, datastore listSecrets, the
workspace discovery document and run history's `children` call. Faults are queued per route and
served before the normal answer, so a test can say "the next job GET answers 429 twice".

The shapes it serves are the service's own, as azure-ai-ml's recorded test traffic shows them
(/work/shared/reviews/service-recordings.md; files in Azure/azure-sdk-for-python under
`sdk/ml/azure-ai-ml/tests/recordings/`, abbreviated below as `rec/`):

- S1 `rec/pipeline_job/e2etests/test_pipeline_job.pyTestPipelineJobLongRunningtest_pipeline_job_get_child_run.json`
- S3 `rec/batch_services/e2etests/test_batch_deployment.pyTestBatchDeploymenttest_batch_job_download.json`
- S4 `rec/batch_services/e2etests/test_batch_endpoint.pyTestBatchEndpointtest_batch_invoke.json`
- S6 `rec/pipeline_job/e2etests/test_pipeline_job.pyTestPipelineJobLongRunningtest_pipeline_job_child_run_download.json`
- S7 `rec/dsl/e2etests/test_dsl_pipeline.pyTestDSLPipelinetest_parallel_job.json`

What no recording shows (how the service pages a long children or job list, the order of the
ARM job list, a batch job's scoring child) is marked "assumed" where it is served.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import ssl
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

WS_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/?]+)(?P<rest>/[^?]*)?$",
    re.IGNORECASE,
)


def make_test_cert(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed cert for 127.0.0.1/localhost (valid a day) and its key; return paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    san = x509.SubjectAlternativeName(
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "emulator-cert.pem", folder / "emulator-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Fault:
    """One canned answer served instead of the normal one (status, headers, JSON body or None)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False  # close the connection without answering


@dataclass
class EmulatorState:
    """What the emulated workspace contains and what the tests asked it to do wrong."""

    subscription: str = "00000000-0000-0000-0000-000000000001"
    resource_group: str = "rg-batch"
    workspace: str = "ws-batch"
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    run_times: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Run-history times of top-level jobs (ARM jobs carry no start/end time)."""
    datastores: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    calls: list[tuple[str, str]] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)
    rejected_tokens: set[str] = field(default_factory=set)
    token_lifetime: int = 3600
    # -- the Reader role scenario (issue 10 item 4): see `deny_list_secrets`
    list_secrets_denied: set[str] = field(default_factory=set)
    token_resources: dict[str, str] = field(default_factory=dict)
    # -- paging (issue 17): how many items a page holds when the call does not say (`$top`);
    # None is one page, as every recorded listing was (S1)
    children_page: int | None = None
    jobs_page: int | None = None


class ControlPlaneEmulator:
    """The HTTPS server; `url` is its base, `env()` the variables that point the SDK at it."""

    def __init__(self, folder: Path, storage_endpoint: str = "127.0.0.1:10000") -> None:
        self.folder = folder
        self.cert, self.key = make_test_cert(folder)
        self.state = EmulatorState()
        self.storage_endpoint = storage_endpoint
        self._lock = threading.Lock()
        handler = _make_handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.cert), str(self.key))
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> ControlPlaneEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def env(self) -> dict[str, str]:
        """Environment for a process that should talk to this emulator instead of Azure."""
        return {
            "ARM_CLOUD_METADATA_URL": f"{self.url}metadata/endpoints?api-version=2019-05-01",
            "REQUESTS_CA_BUNDLE": str(self.cert),
            "SSL_CERT_FILE": str(self.cert),
            "IDENTITY_ENDPOINT": f"{self.url}msi/token",
            "IDENTITY_HEADER": "emulator-identity-header",
        }

    # -- test helpers -------------------------------------------------------------------------

    def inject(self, route: str, *faults: Fault) -> None:
        """Queue faults for a route name (see `_route`): served in order, then normal answers."""
        with self._lock:
            self.state.faults[route].extend(faults)

    def deny_list_secrets(self, *names: str) -> None:
        """The signed-in identity has the Reader role: listSecrets on these datastores answers
        403 AuthorizationFailed, as ARM refuses an action the role lacks."""
        self.state.list_secrets_denied.update(names)

    def storage_token(self, token: str) -> bool:
        """Was `token` issued by this emulator for Azure Storage (resource
        https://storage.azure.com), as a storage service would check its audience?"""
        return self.state.token_resources.get(token, "").startswith("https://storage.azure.com")

    def calls_to(self, route: str) -> int:
        return sum(1 for r, _ in self.state.calls if r == route)

    @property
    def ws_id(self) -> str:
        s = self.state
        return (
            f"/subscriptions/{s.subscription}/resourceGroups/{s.resource_group}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{s.workspace}"
        )

    def arm_id(self, kind: str, name: str) -> str:
        return f"{self.ws_id}/{kind}/{name}"

    def add_blob_datastore(
        self, name: str, account: str, container: str, *, endpoint: str, protocol: str,
        key: str | None = None, sas: str | None = None,
    ) -> None:
        """Register a blob datastore whose secret is an account key or a SAS token."""
        cred_type = "Sas" if sas else "AccountKey"
        self.state.datastores[name] = {
            "id": self.arm_id("datastores", name),
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/datastores",
            "properties": {
                "datastoreType": "AzureBlob",
                "accountName": account,
                "containerName": container,
                "endpoint": endpoint,
                "protocol": protocol,
                "isDefault": name == "workspaceblobstore",
                "credentials": {"credentialsType": cred_type},
            },
        }
        secrets = {"secretsType": cred_type}
        if sas:
            secrets["sasToken"] = sas
        else:
            secrets["key"] = key
        self.state.secrets[name] = secrets

    def add_job(self, name: str, *, job_type: str = "Pipeline", status: str = "Running",
                compute: str | None = "cpu-cluster", children: list[dict[str, Any]] | None = None,
                tags: dict[str, str] | None = None, created: str = "2024-05-16T22:00:00Z",
                started: str | None = None, display_name: str | None = None,
                nodes: dict[str, str] | None = None, batch: bool = False,
                ) -> None:
        """Register an ARM job (parent) and, optionally, its run-history children.

        `display_name` defaults to the name, as for an SDK-submitted pipeline (S1:
        `"displayName": "test_259228612667"`). `nodes` (node key -> type: "command",
        "parallel"...) fills the pipeline's `properties.jobs` the way the service answers it
        (S1 command nodes, S7 parallel node). `batch` makes the job a batch endpoint's (S3):
        `jobs`, `inputs`, `outputs`, `settings` null and, with `compute=None`,
        `computeId: null`.
        """
        ws_id = self.ws_id
        props: dict[str, Any] = {
            "jobType": job_type,
            "status": status,
            "displayName": display_name or name,
            "experimentName": "batch-exp",
            "tags": tags or {},
            "properties": {},
            "services": {
                "Studio": {"jobServiceType": "Studio",
                           "endpoint": f"https://ml.azure.com/runs/{name}?wsid={ws_id}"}
            },
            # S3: a batch endpoint's job answers `"computeId": null`; S1: a pipeline's is set
            "computeId": f"{ws_id}/computes/{compute}" if compute else None,
        }
        if job_type == "Pipeline" and batch:
            # S3 (ARM GET of the invoked job): everything a pipeline would declare is null
            props.update({"jobs": None, "inputs": None, "outputs": None, "settings": None,
                          "sourceJobId": None,
                          "description": "Pipeline submission for endpoint: batch-ept, "
                                         "deployment: batch-dpm."})
            props["tags"] = {"azureml.batchrun": "true", "azureml.deploymentname": "batch-dpm",
                             "azureml.jobtype": "azureml.batchjob", **(tags or {})}  # S3, S4
            props["properties"] = {"azureml.runsource": "azureml.PipelineRun",
                                   "azureml.pipelineComponent": "pipelinerun"}
        elif job_type == "Pipeline":
            props.update({"jobs": {k: self.node(k, t, compute) for k, t in (nodes or {}).items()},
                          "inputs": {}, "outputs": {}, "settings": {"_source": "YAML.JOB"}})
            props["properties"] = {"azureml.DevPlatv2": "true",  # S1's pipeline parent
                                   "azureml.runsource": "azureml.PipelineRun",
                                   "azureml.pipelineComponent": "pipelinerun"}
        elif job_type == "Command":
            props.update({"command": "python score.py", "environmentId": "azureml:env:1"})
        self.state.jobs[name] = {
            "id": self.arm_id("jobs", name),
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/jobs",
            "properties": props,
            "systemData": {"createdAt": created, "createdBy": "someone"},
        }
        for kid in children or []:
            kid["tags"]["azureml.pipeline"] = name  # S1: a child's tags name its pipeline
        self.state.children[name] = children or []
        self.state.run_times[name] = {"createdUtc": created, "startTimeUtc": started}

    def add_batch_job(self, display_name: str, **kwargs: Any) -> str:
        """A batch endpoint invocation's job: named `batchjob-<guid>` (S4), shown by a two-word
        display name (S3 `blue_store_3k1gd32x`, S4 `careful_bulb_plwyqfx0`), with
        `computeId: null` (S3). Returns the job's name."""
        name = f"batchjob-{uuid.uuid4()}"
        kwargs.setdefault("compute", None)
        self.add_job(name, display_name=display_name, batch=True, **kwargs)
        return name

    def node(self, key: str, kind: str, compute: str | None = "cpu-cluster") -> dict[str, Any]:
        """A node of a pipeline's `properties.jobs` as the service answers it: S1's command
        nodes (`name`, `type`, `computeId`, `_source`, an `azureml_anonymous` componentId) and
        S7's parallel node (plus `mini_batch_size`, `resources`, `task`...)."""
        component = (f"{self.ws_id}/components/azureml_anonymous/versions/"
                     f"{uuid.uuid5(uuid.NAMESPACE_URL, key)}")
        node: dict[str, Any] = {
            "name": key,
            "type": kind,
            "computeId": f"{self.ws_id}/computes/{compute}" if compute else None,
            "_source": "YAML.JOB",
            "componentId": component,
        }
        if kind == "parallel":
            node.update({
                "resources": {"instance_count": 2},
                "mini_batch_error_threshold": 1,
                "max_concurrency_per_instance": 1,
                "mini_batch_size": 5,
                "task": {"type": "run_function", "entry_script": "score.py",
                         "program_arguments": "--job_output_path ${{outputs.job_output_path}}",
                         "environment": "azureml:AzureML-sklearn-0.24-ubuntu18.04-py37-cpu:5"},
            })
        return node

    @staticmethod
    def run_id() -> str:
        """A new child run id: a GUID, as run history names steps (S1 `fccae07e-378c-...`)."""
        return str(uuid.uuid4())

    @staticmethod
    def run(run_id: str | None = None, *, status: str = "Running",
            run_type: str = "azureml.StepRun", display: str | None = None,
            compute: str | None = "cpu-cluster", target: str | None = None,
            created: str = "2024-05-16T22:00:30Z", started: str | None = None,
            ended: str | None = None, properties: dict[str, str] | None = None,
            ) -> dict[str, Any]:
        """A run-history Run record as `runs/{id}/children` and `runs/{id}` return it (S1).

        Real shapes: the id is a GUID unless a test names it; `name` is the component
        (`azureml_anonymous` for an inline one) and `displayName` the pipeline node's name; the
        properties of a v2 step say `StepType: PythonScriptStep` whatever the node's type, with
        `azureml.moduleName: azureml_anonymous` and an 8-hex `azureml.nodeid` (S1, S6). A step
        that ran has `compute.target` (S6); a reused one `compute: null` (S1); both have
        `target`. A batch endpoint's scoring child is in no recording: the same shape is
        assumed for it.
        """
        run_id = run_id or ControlPlaneEmulator.run_id()
        node_id = uuid.uuid5(uuid.NAMESPACE_URL, run_id).hex[:8]
        reused = (properties or {}).get("azureml.reusedrunid")
        return {
            "runId": run_id,
            "runUuid": str(uuid.uuid5(uuid.NAMESPACE_OID, run_id)),
            "runNumber": 1676177916,
            "name": "azureml_anonymous",
            "displayName": display or run_id,
            "status": status,
            "runType": run_type,
            "runTypeV2": {"orchestrator": None, "traits": [run_type], "attribution": None,
                          "computeType": None},
            "dataContainerId": f"dcid.{reused or run_id}",  # S1 (reused), S6 (ran)
            "experimentId": "exp-id",
            "startTimeUtc": started,
            "endTimeUtc": ended,
            "createdUtc": created,
            "tags": {"azureml.nodeid": node_id},
            "properties": {
                "azureml.runsource": "azureml.StepRun",
                "azureml.nodeid": node_id,
                "StepType": "PythonScriptStep",
                "ComputeTargetType": "AmlCompute",
                "azureml.moduleName": "azureml_anonymous",
                "azureml.DevPlatv2": "true",
                "azureml.pipelineComponent": "masterescloud",
                **(properties or {}),
            },
            "target": target or compute,
            "compute": ({"target": compute, "targetType": "amlcompute", "vmSize": None,
                         "instanceCount": 1} if compute else None),
            "queueingInfo": None,
            "inputs": None,
            "outputs": None,
            "services": {},
        }

    # -- run history (children readable the way the service serves them) ----------------------

    def find_run(self, run_id: str) -> dict[str, Any] | None:
        """The run-history record of a pipeline child, or one built from a top-level job."""
        for kids in self.state.children.values():
            for kid in kids:
                if kid["runId"] == run_id:
                    return kid
        job = self.state.jobs.get(run_id)
        if job is None:
            return None
        props = job["properties"]
        times = self.state.run_times.get(run_id, {})
        compute_id = props.get("computeId")
        return {
            "runId": run_id,
            "target": compute_id.rsplit("/", 1)[-1] if compute_id else None,
            "displayName": props.get("displayName"),
            "status": props.get("status"),
            "runType": "azureml.PipelineRun" if props.get("jobType") == "Pipeline" else None,
            "createdUtc": times.get("createdUtc"),
            "startTimeUtc": times.get("startTimeUtc"),
            "endTimeUtc": times.get("endTimeUtc"),
            "properties": {},
            "tags": {},
        }

    def add_child(self, parent: str, run: dict[str, Any]) -> None:
        """A step appears under a parent while it is followed (run history lists it next)."""
        with self._lock:
            run["tags"]["azureml.pipeline"] = parent
            self.state.children.setdefault(parent, []).append(run)

    def set_status(self, run_id: str, status: str, *, started: str | None = None,
                   ended: str | None = None) -> None:
        """The service's status of a job or child changes (as run history will then say)."""
        with self._lock:
            job = self.state.jobs.get(run_id)
            if job is not None:
                job["properties"]["status"] = status
                times = self.state.run_times.setdefault(run_id, {})
                if started:
                    times["startTimeUtc"] = started
                if ended:
                    times["endTimeUtc"] = ended
                return
            run = self.find_run(run_id)
            if run is None:
                raise KeyError(run_id)
            run["status"] = status
            if started:
                run["startTimeUtc"] = started
            if ended:
                run["endTimeUtc"] = ended


def _make_handler(emu: ControlPlaneEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: Any = None,
                  headers: dict[str, str] | None = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-ms-request-id", "emulator")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"error": {"code": code, "message": message}})

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parsed = urlparse(self.path)
            route, args = _route(self.command, parsed.path)
            with emu._lock:
                emu.state.calls.append((route, parsed.path))
                queue = emu.state.faults.get(route)
                fault = queue.popleft() if queue else None
            if fault is not None:
                if fault.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._send(fault.status, fault.body, fault.headers)
                return
            if route not in ("metadata", "msi", "discovery") and not self._authorized():
                return
            handler = getattr(self, f"_r_{route}", None)
            if handler is None:
                self._error(404, "NotFound", f"no route for {self.command} {parsed.path}")
                return
            handler(args, parse_qs(parsed.query), body)

        do_GET = do_POST = do_PUT = do_PATCH = _handle

        def _authorized(self) -> bool:
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else ""
            if not token or token not in emu.state.tokens_issued:
                self._error(401, "AuthenticationFailed", "no valid bearer token")
                return False
            if token in emu.state.rejected_tokens:
                self._error(401, "ExpiredAuthenticationToken", "The token expiry has passed.")
                return False
            return True

        # -- routes ---------------------------------------------------------------------------

        def _r_metadata(self, args: dict, q: dict, body: bytes) -> None:
            base = emu.url
            self._send(200, [{
                "name": "BatchtopEmulator",
                "portal": "https://portal.emulator.local",
                "resourceManager": base,
                "authentication": {"loginEndpoint": base, "audiences": [base], "tenant": "common"},
                "suffixes": {"storage": emu.storage_endpoint},
            }])

        def _r_msi(self, args: dict, q: dict, body: bytes) -> None:
            if self.headers.get("X-IDENTITY-HEADER") != "emulator-identity-header":
                self._error(400, "BadRequest", "missing identity header")
                return
            with emu._lock:
                n = len(emu.state.tokens_issued) + 1
                # Looks like a JWT-ish bearer token so redaction tests are meaningful.
                token = f"eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.emulator{n:04d}secret.c2lnbmF0dXJl"
                emu.state.tokens_issued.append(token)
            resource = (q.get("resource") or [""])[0]
            with emu._lock:
                emu.state.token_resources[token] = resource
            self._send(200, {
                "access_token": token,
                "expires_on": str(int(time.time()) + emu.state.token_lifetime),
                "resource": resource,
                "token_type": "Bearer",
            })

        def _r_workspace(self, args: dict, q: dict, body: bytes) -> None:
            if not self._ws_matches(args):
                return
            s = emu.state
            self._send(200, {
                "id": emu.ws_id,
                "name": s.workspace,
                "type": "Microsoft.MachineLearningServices/workspaces",
                "location": "westeurope",
                "properties": {
                    "workspaceId": "99999999-0000-0000-0000-000000000000",
                    "discoveryUrl": f"{emu.url}discovery",
                    "friendlyName": s.workspace,
                },
            })

        def _r_discovery(self, args: dict, q: dict, body: bytes) -> None:
            # S1: run history is called on the `api` host, not on `history`, which names
            # another host (`https://eastus2.experiments.azureml.net`). The other keys point at
            # a closed port here, so a client that used them would fail.
            base = emu.url.rstrip("/")
            elsewhere = "https://127.0.0.1:9"
            self._send(200, {"api": base, "catalog": elsewhere, "experimentation": elsewhere,
                             "history": elsewhere, "modelmanagement": elsewhere,
                             "pipelines": elsewhere, "studio": "https://ml.azure.com"})

        def _r_job(self, args: dict, q: dict, body: bytes) -> None:
            if not self._ws_matches(args):
                return
            job = emu.state.jobs.get(args["name"])
            if job is None and emu.find_run(args["name"]) is not None:
                # A pipeline child through ARM has no `properties` key at all (S1, S2); the
                # SDK's `_is_pipeline_child_job` tests for `properties is None` and then reads
                # the run from run history instead.
                self._send(200, {"id": emu.arm_id("jobs", args["name"]),
                                 "name": args["name"],
                                 "type": "Microsoft.MachineLearningServices/workspaces/jobs",
                                 "systemData": {"createdAt": "2024-05-16T22:00:30Z",
                                                "createdBy": "someone",
                                                "createdByType": "User"}})
                return
            if job is None:
                self._error(404, "UserError", f"Job {args['name']} not found.")
                return
            self._send(200, job)

        def _r_jobs(self, args: dict, q: dict, body: bytes) -> None:
            if not self._ws_matches(args):
                return
            # assumed: most recent first (no recording lists jobs); paged by `nextLink`, the
            # link azure-core's ItemPaged follows
            jobs = list(reversed(emu.state.jobs.values()))
            kind = (q.get("jobType") or [None])[0]  # the ARM list's documented job type filter
            if kind:
                jobs = [j for j in jobs if j["properties"]["jobType"].lower() == kind.lower()]
            page, link = self._page(jobs, q, "$skipToken", emu.state.jobs_page)
            self._send(200, {"value": page, "nextLink": link})

        def _r_children(self, args: dict, q: dict, body: bytes) -> None:
            kids = emu.state.children.get(args["name"])
            if kids is None and emu.find_run(args["name"]) is not None:
                kids = []  # a run without children (a step, not a sub-pipeline)
            if kids is None:
                self._error(404, "UserError", f"Run {args['name']} not found.")
                return
            # S1: one page is `{"value": [...]}` alone. Longer lists are paged: `az ml job list
            # --parent-job-name` showed 52 of 72 children (Azure/azure-cli#27502), `$top=100`
            # gave 100 (Azure/azure-sdk-for-python#32440), and the answer carries a
            # `continuationToken` (ibid., PR #32443's thread); the `nextLink` beside it is
            # assumed. The page size is `children_page` unless the call asks `$top`.
            top = (q.get("$top") or [None])[0]
            size = int(top) if top else emu.state.children_page
            page, link = self._page(kids, q, "$continuationtoken", size)
            if link is None:
                self._send(200, {"value": page})
                return
            token = parse_qs(urlparse(link).query)["$continuationtoken"][0]
            self._send(200, {"value": page, "continuationToken": token, "nextLink": link})

        def _page(self, items: list, q: dict, key: str,
                  size: int | None) -> tuple[list, str | None]:
            """One page of `items` from the offset in query `key`, and the next page's link."""
            start = int((q.get(key) or ["0"])[0])
            if size is None:
                return items[start:], None
            end = start + size
            if end >= len(items):
                return items[start:end], None
            rest = {k: v[0] for k, v in q.items() if k != key}
            query = urlencode({**rest, key: str(end)})
            return items[start:end], f"{emu.url.rstrip('/')}{urlparse(self.path).path}?{query}"

        def _r_run(self, args: dict, q: dict, body: bytes) -> None:
            run = emu.find_run(args["name"])
            if run is None:
                self._error(404, "UserError", f"Run {args['name']} not found.")
                return
            self._send(200, run)

        def _r_run_details(self, args: dict, q: dict, body: bytes) -> None:
            run = emu.find_run(args["name"])
            if run is None:
                self._error(404, "UserError", f"Run {args['name']} not found.")
                return
            self._send(200, {
                "runId": run["runId"],
                "status": run.get("status"),
                "createdTimeUtc": run.get("createdUtc"),
                "startTimeUtc": run.get("startTimeUtc"),
                "endTimeUtc": run.get("endTimeUtc"),
                "properties": run.get("properties") or {},
                "tags": run.get("tags") or {},
                "target": run.get("target"),  # S8: details carry `target` (and `compute`)
                "compute": run.get("compute"),
                "logFiles": {},
            })

        def _r_datastore(self, args: dict, q: dict, body: bytes) -> None:
            if not self._ws_matches(args):
                return
            ds = emu.state.datastores.get(args["name"])
            if ds is None:
                self._error(404, "UserError", f"Datastore {args['name']} not found.")
                return
            self._send(200, ds)

        def _r_secrets(self, args: dict, q: dict, body: bytes) -> None:
            if not self._ws_matches(args):
                return
            if args["name"] in emu.state.list_secrets_denied:
                self._error(403, "AuthorizationFailed", _list_secrets_refusal(args))
                return
            secret = emu.state.secrets.get(args["name"])
            if secret is None:
                self._error(404, "UserError", f"Datastore {args['name']} not found.")
                return
            self._send(200, secret)

        def _ws_matches(self, args: dict) -> bool:
            s = emu.state
            if (args["sub"], args["rg"].lower(), args["ws"].lower()) != (
                s.subscription, s.resource_group.lower(), s.workspace.lower()
            ):
                self._error(404, "ResourceNotFound",
                            f"Workspace {args['ws']} in resource group {args['rg']} not found.")
                return False
            return True

    return Handler


def _list_secrets_refusal(args: dict) -> str:
    """ARM's AuthorizationFailed message for a role without the action (its public shape)."""
    return (
        "The client 'reader@example.com' with object id '00000000-0000-0000-0000-00000000abcd' "
        "does not have authorization to perform action "
        "'Microsoft.MachineLearningServices/workspaces/datastores/listSecrets/action' over scope "
        f"'/subscriptions/{args['sub']}/resourceGroups/{args['rg']}/providers/"
        f"Microsoft.MachineLearningServices/workspaces/{args['ws']}/datastores/{args['name']}' "
        "or the scope is invalid. If access was recently granted, please refresh your "
        "credentials."
    )


def _route(method: str, path: str) -> tuple[str, dict[str, str]]:
    """Name the call (the key faults are queued under) and pull its path arguments."""
    if path.startswith("/metadata/endpoints"):
        return "metadata", {}
    if path.startswith("/msi/token"):
        return "msi", {}
    if path.startswith("/discovery"):
        return "discovery", {}
    if path.startswith("/history/v1.0"):
        m = WS_PATH.match(path[len("/history/v1.0"):])
        parts = [p for p in ((m["rest"] or "") if m else "").split("/") if p]
        if m and len(parts) in (2, 3) and parts[0] == "runs":
            args = m.groupdict()
            args["name"] = parts[1]
            kind = {2: "run", 3: {"children": "children", "details": "run_details"}
                    .get(parts[2], "unknown") if len(parts) == 3 else "unknown"}[len(parts)]
            return kind, args
        return "unknown", {}
    m = WS_PATH.match(path)
    if not m:
        return "unknown", {}
    args = m.groupdict()
    rest = [p for p in (m["rest"] or "").split("/") if p]
    if not rest:
        return "workspace", args
    if rest[0] == "jobs":
        if len(rest) == 1:
            return "jobs", args
        args["name"] = rest[1]
        return "job", args
    if rest[0] == "datastores" and len(rest) >= 2:
        args["name"] = rest[1]
        return ("secrets" if len(rest) == 3 and rest[2] == "listSecrets" else "datastore"), args
    return "unknown", args
