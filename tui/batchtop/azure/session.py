"""A signed-in MLClient for one workspace, and the one place control-plane errors are classified.

Every call to the workspace goes through `Session.call`, which turns the SDK's exceptions into
`AzureError` (one line, exit code 3) or `TransientError` (retry later), and re-acquires the token
once when the service answers 401/403: clients cache tokens, so re-acquiring means a fresh
credential *and* a fresh MLClient.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError as CoreAzureError
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from batchtop.azure.credentials import SIGN_IN_HINT, RenewableCredential, SignInPrompt
from batchtop.azure.errors import (
    AzureError,
    TransientError,
    first_line,
    quiet_sdk_logging,
    retry_after_of,
)
from batchtop.azure.workspace import Workspace

T = TypeVar("T")
NETWORK_HINT = (
    "check this machine reaches management.azure.com and *.api.azureml.ms "
    "(proxy: HTTPS_PROXY), then retry."
)


class Session:
    """Workspace + credential + lazily built MLClient, rebuilt on `reconnect`."""

    def __init__(
        self,
        workspace: Workspace,
        credential_factory: Callable[[], TokenCredential],
        prompt: SignInPrompt | None = None,
        **client_kwargs: Any,
    ) -> None:
        self.workspace = workspace
        self.credential = RenewableCredential(credential_factory, prompt)
        self._client_kwargs = client_kwargs
        self._ml: Any = None

    @property
    def ml(self) -> Any:
        """The azure-ai-ml MLClient (built on first use: building it reads cloud metadata)."""
        if self._ml is None:
            from azure.ai.ml import MLClient

            quiet_sdk_logging()  # azure.ai.ml just set up its own stderr loggers
            # its schemas warn about marshmallow 4 on first use: noise written to the terminal
            # under the live view, not news for our user
            warnings.filterwarnings("ignore", module=r"marshmallow(\.|$)|azure\.ai\.ml(\.|$)")
            ws = self.workspace
            self._ml = MLClient(
                self.credential,
                ws.subscription,
                ws.resource_group,
                ws.workspace,
                enable_telemetry=False,
                **self._client_kwargs,
            )
        return self._ml

    def reconnect(self) -> None:
        """Drop every cached token and client: the next call signs in afresh."""
        self.credential.renew()
        self._ml = None

    def call(
        self,
        step: str,
        fn: Callable[[Any], T],
        not_found: Callable[[ResourceNotFoundError], AzureError] | None = None,
    ) -> T:
        """Run `fn(ml)`; re-acquire the token once on 401/403; classify every other failure."""
        renewed = False
        while True:
            try:
                return fn(self.ml)
            except ResourceNotFoundError as exc:
                if not_found is not None:
                    raise not_found(exc) from None
                raise AzureError(
                    step,
                    f"not found: {first_line(exc)}",
                    f"check the names: {self.workspace.describe()}.",
                ) from None
            except ClientAuthenticationError as exc:
                if not renewed:
                    renewed = True
                    self.reconnect()
                    continue
                raise AzureError(
                    "sign-in", f"the token was rejected ({first_line(exc)})", SIGN_IN_HINT
                ) from None
            except HttpResponseError as exc:
                status = exc.status_code or 0
                if status in (401, 403) and not renewed:
                    renewed = True
                    self.reconnect()
                    continue
                raise classify_http(step, exc, self.workspace) from None
            except (ServiceRequestError, ServiceResponseError, ConnectionError) as exc:
                raise TransientError(f"{step}: connection failed ({first_line(exc)})") from None
            except CoreAzureError as exc:
                # azure-ai-ml's MlException family (JobException, ValidationException,
                # PipelineChildJobError, JobParsingError) derives from azure-core's AzureError:
                # the SDK could not make sense of an answer. One line, never a traceback.
                raise sdk_error(step, exc, self.workspace) from None


def classify_http(step: str, exc: HttpResponseError, workspace: Workspace) -> Exception:
    """Map an HTTP failure the SDK's own retries gave up on to what the user should do."""
    status = exc.status_code or 0
    if status == 401:
        return AzureError(
            "sign-in", f"the token was rejected twice ({first_line(exc)})", SIGN_IN_HINT
        )
    if status == 403:
        return AzureError(
            "sign-in",
            f"your identity may not read {workspace.describe()} ({first_line(exc)})",
            "ask for a role such as AzureML Data Scientist or Reader on the workspace, or "
            "`az login` as another account.",
        )
    if status == 429 or status >= 500:
        return TransientError(
            f"{step}: service answered {status} ({first_line(exc)})", retry_after_of(exc)
        )
    return AzureError(
        step,
        f"service answered {status}: {first_line(exc)}",
        f"check {workspace.describe()} in subscription {workspace.subscription}.",
    )


def sdk_error(step: str, exc: BaseException, workspace: Workspace | None) -> AzureError:
    """An SDK-side failure (not an HTTP error) as one line with what to try next."""
    kind = type(exc).__name__
    where = f" from {workspace.describe()}" if workspace is not None else ""
    return AzureError(
        step,
        f"azure-ai-ml could not handle the answer{where}: {kind}: {first_line(exc)}",
        "update azure-ai-ml (`pip install -U azure-ai-ml`); if it persists, report the job "
        "type and this line.",
    )


def transient_to_fatal(exc: TransientError) -> AzureError:
    """At startup there is no last good data to keep showing: a transient failure is fatal."""
    return AzureError("network", str(exc), NETWORK_HINT)
