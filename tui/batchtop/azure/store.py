"""Where a job's "Outputs + logs" live in blob storage, and a client to read them.

As azure-ai-ml's own download helper does (`JobOperations._get_named_output_uri`), the logs are
the job's `default` output when the service reports one, else
`azureml://datastores/workspaceartifactstore/paths/ExperimentRun/dcid.<job>/`. The datastore
tells the storage account, container, endpoint and protocol; its secret (a short-lived SAS or the
account key, from `listSecrets` as `get_datastore_info` does) or, for identity-based datastores,
our own Azure credential, authorises reads. The secret is registered for redaction at once.

Reading the secret needs `datastores/listSecrets/action`, which the Reader role lacks. As the
SDK's `get_datastore_info` does, a refused listSecrets is not fatal: the reads then use our own
sign-in (a storage token), which works when the identity has a data role on the storage account
(Storage Blob Data Reader). Only if storage refuses that too is the user told what to ask for.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import HttpResponseError

from batchtop.azure.errors import AzureError, register_secret
from batchtop.azure.jobs import JobRef
from batchtop.azure.session import Session

ARTIFACT_STORE = "workspaceartifactstore"


@dataclass(frozen=True)
class BlobLocation:
    """A container and the prefix (ending in `/`) under which the job's log tree sits."""

    account_url: str
    container: str
    prefix: str
    credential: Any
    identity: bool = False
    """True when reads use our own sign-in rather than a datastore key or SAS."""

    def __repr__(self) -> str:  # never show the credential
        return f"BlobLocation({self.account_url!r}, {self.container!r}, {self.prefix!r})"


def account_url(account: str, endpoint: str | None, protocol: str | None) -> str:
    """The blob service URL of a datastore's account.

    `endpoint` is the storage suffix (`core.windows.net`, sovereign clouds' own). A host:port
    endpoint that is an IP address or `localhost` (a storage emulator, a private test setup)
    uses path-style URLs `http://127.0.0.1:10000/<account>` the way storage SDKs address
    Azurite, because `<account>.blob.127.0.0.1` cannot resolve.
    """
    endpoint = (endpoint or "core.windows.net").strip("/")
    protocol = (protocol or "https").lower()
    host = endpoint.rsplit(":", 1)[0] if endpoint.count(":") == 1 else endpoint
    try:
        is_ip = bool(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        is_ip = host == "localhost"
    if is_ip:
        return f"{protocol}://{endpoint}/{account}"
    return f"{protocol}://{account}.blob.{endpoint}"


def log_uri_of(session: Session, job: JobRef) -> tuple[str, str]:
    """(datastore name, path prefix) of the job's log tree."""

    def default_output(ml: Any) -> str | None:
        if job.parent:  # run-history children carry no outputs; skip a wasted GET
            return None
        from azure.ai.ml.exceptions import MlException

        try:
            entity = ml.jobs.get(job.name)
        except MlException:  # a job type this SDK cannot parse: the default place, as below
            return None
        outputs = getattr(entity, "outputs", None) or {}
        out = outputs.get("default") if hasattr(outputs, "get") else None
        return getattr(out, "path", None)

    uri = session.call("log location lookup", default_output)
    parsed = parse_datastore_uri(uri) if uri and uri.startswith("azureml://") else None
    if parsed is not None:
        return parsed[0], parsed[1].rstrip("/") + "/"
    return ARTIFACT_STORE, f"ExperimentRun/dcid.{job.name}/"


_DATASTORE_URI = re.compile(r"^azureml://(?:.*/)?datastores/(?P<ds>[^/]+)/(?:paths/)?(?P<path>.+)$")


def parse_datastore_uri(uri: str) -> tuple[str, str] | None:
    """(datastore, path) of an `azureml://` URI, by the SDK's private parser when it is there
    (docs/azure.md lists it), else by the documented forms `azureml://datastores/<ds>/paths/<p>`
    and the REST output form `azureml://datastores/<ds>/<p>`; None if neither applies."""
    try:
        from azure.ai.ml._utils._storage_utils import AzureMLDatastorePathUri
    except ImportError:
        return parse_datastore_uri_by_pattern(uri)
    try:
        parsed = AzureMLDatastorePathUri(uri)
    except Exception:  # noqa: BLE001 - a form the SDK refuses: try the documented ones
        return parse_datastore_uri_by_pattern(uri)
    return str(parsed.datastore), str(parsed.path)


def parse_datastore_uri_by_pattern(uri: str) -> tuple[str, str] | None:
    m = _DATASTORE_URI.match(uri)
    return None if m is None else (m["ds"], m["path"])


def locate_logs(session: Session, job: JobRef) -> BlobLocation:
    """Resolve the blob container, prefix and read credential of a job's logs."""
    datastore_name, prefix = log_uri_of(session, job)
    datastore, refused = session.call(
        "datastore lookup", lambda ml: datastore_with_secrets(ml, datastore_name)
    )
    kind = str(getattr(datastore, "type", ""))
    if "blob" not in kind.lower():
        raise AzureError(
            "storage",
            f"datastore {datastore_name} is {kind}; batchtop reads the "
            "job's logs from blob storage only.",
            "report the datastore type.",
        )
    credential = None if refused else _secret_credential(datastore)
    return BlobLocation(
        account_url=account_url(
            datastore.account_name,
            getattr(datastore, "endpoint", None),
            getattr(datastore, "protocol", None),
        ),
        container=str(datastore.container_name),
        prefix=prefix,
        credential=credential or session.credential,
        identity=credential is None,
    )


def datastore_with_secrets(ml: Any, name: str) -> tuple[Any, bool]:
    """The datastore with its secret when we may read it; (datastore, True) when listSecrets
    was refused (403: the Reader role), as `get_datastore_info` falls back to the credential.

    Only a 403 of the listSecrets call itself falls back: a 403 on the datastore GET means we
    may not read the workspace at all, and a 401 (stale token) is the session's to renew.
    """
    try:
        return ml.datastores.get(name, include_secrets=True), False
    except HttpResponseError as exc:
        if exc.status_code == 403 and _is_list_secrets(exc):
            return ml.datastores.get(name), True
        raise


def _is_list_secrets(exc: HttpResponseError) -> bool:
    request = getattr(getattr(exc, "response", None), "request", None)
    return "/listsecrets" in str(getattr(request, "url", "")).lower()


def _secret_credential(datastore: Any) -> Any:
    """The datastore's SAS or account key as a storage credential; None when it has none
    (identity-based datastores: reads use our own sign-in)."""
    secrets = getattr(datastore, "credentials", None)
    sas = getattr(secrets, "sas_token", None)
    key = getattr(secrets, "account_key", None)
    register_secret(sas)
    register_secret(key)
    if sas:
        from azure.core.credentials import AzureSasCredential

        return AzureSasCredential(str(sas).lstrip("?"))
    if key:
        return {"account_name": datastore.account_name, "account_key": key}
    return None


def container_client(location: BlobLocation) -> Any:
    """A ContainerClient with the SDK's retries off: our poll loop owns backoff and Retry-After
    (the storage SDK's default of ten retries would freeze the view for minutes)."""
    from azure.storage.blob import ContainerClient

    return ContainerClient(
        location.account_url,
        location.container,
        credential=location.credential,
        retry_total=0,
        connection_timeout=10,
        read_timeout=30,
    )
