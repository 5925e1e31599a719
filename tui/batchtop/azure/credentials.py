"""Sign-in: azure-identity's DefaultAzureCredential, or device code for a bare SSH box.

DefaultAzureCredential already covers what a jump box has: `az login` (AzureCliCredential),
the VM's managed identity, a service principal in `AZURE_CLIENT_ID/SECRET/TENANT_ID`, workload
identity. Interactive browser sign-in is excluded: on SSH it would hang waiting for a browser.
`--device-code` forces DeviceCodeCredential, whose prompt goes to stderr so `--json` stays clean.

Tokens are never logged or shown; `check_sign_in` turns the SDK's page-long
CredentialUnavailableError into one line naming the step and the command to run.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import ClientAuthenticationError

from batchtop.azure.errors import AzureError, first_line

SIGN_IN_HINT = (
    "run `az login` (or `az login --use-device-code` on a machine without a browser), "
    "or pass --device-code; check `az account show` names the right tenant."
)


def make_credential(device_code: bool = False, tenant: str | None = None) -> TokenCredential:
    """Build the credential batchtop signs in with (see module doc for the chain)."""
    from azure.identity import DefaultAzureCredential, DeviceCodeCredential

    if device_code:

        def prompt(verification_uri: str, user_code: str, expires_on: Any) -> None:
            print(
                f"To sign in, open {verification_uri} and enter the code {user_code}.",
                file=sys.stderr,
                flush=True,
            )

        return DeviceCodeCredential(tenant_id=tenant, prompt_callback=prompt)
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


class RenewableCredential:
    """A TokenCredential whose cached tokens can be dropped after the service said 401.

    Clients cache tokens too, so `renew()` is only half of a re-acquire: the caller rebuilds
    its clients (see `session.Session.reconnect`). `renewals` counts how often that happened so
    we re-acquire once, not forever.
    """

    def __init__(self, factory: Callable[[], TokenCredential]) -> None:
        self._factory = factory
        self._inner = factory()
        self._lock = threading.Lock()
        self.renewals = 0

    def renew(self) -> None:
        with self._lock:
            self._inner = self._factory()
            self.renewals += 1

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        with self._lock:
            inner = self._inner
        return inner.get_token(*scopes, **kwargs)

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


def arm_scope() -> str:
    """The token scope for Azure Resource Manager of the configured cloud (public by default)."""
    from azure.ai.ml._azure_environments import _get_base_url_from_metadata

    return _get_base_url_from_metadata().rstrip("/") + "/.default"


def check_sign_in(credential: TokenCredential, scope: str | None = None) -> None:
    """Get one token now so a sign-in problem is reported as such, not as a failed job lookup."""
    try:
        credential.get_token(scope or arm_scope())
    except ClientAuthenticationError as exc:
        raise AzureError(
            "sign-in", f"no usable Azure credential ({first_line(exc)})", SIGN_IN_HINT
        ) from None
    except Exception as exc:  # azure-identity raises plain errors for broken env setups
        raise AzureError("sign-in", first_line(exc), SIGN_IN_HINT) from None
