"""Sign-in: azure-identity's DefaultAzureCredential, or device code for a bare SSH box.

DefaultAzureCredential already covers what a jump box has: `az login` (AzureCliCredential),
the VM's managed identity, a service principal in `AZURE_CLIENT_ID/SECRET/TENANT_ID`, workload
identity. Interactive browser sign-in is excluded: on SSH it would hang waiting for a browser.
`--device-code` forces DeviceCodeCredential, whose prompt goes to stderr so `--json` stays clean.

Device code sign-in is remembered between runs the way azure-identity documents it: tokens go
to its persistent cache (`TokenCachePersistenceOptions(name="batchtop")`: the OS keyring where
there is one, else a user-only file, as the az CLI does on Linux) and the non-secret
`AuthenticationRecord` (account, tenant, authority) is saved in
`~/.config/batchtop/device-code-record.json` (0600), so the next run signs in silently.

A prompt that comes later (the refresh token expired, a 401 renewed the credential) goes to
`SignInPrompt`, which the live view shows in its header: stderr is hidden under the TUI's
alternate screen.

Tokens are never logged or shown; `check_sign_in` turns the SDK's page-long
CredentialUnavailableError into one line naming the step and the command to run.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import ClientAuthenticationError

from batchtop.azure.errors import AzureError, first_line

SIGN_IN_HINT = (
    "run `az login` (or `az login --use-device-code` on a machine without a browser), "
    "or pass --device-code; check `az account show` names the right tenant."
)


CACHE_NAME = "batchtop"
PUBLIC_ARM_SCOPE = "https://management.azure.com/.default"
NEEDS_RECORD = "_batchtop_needs_record"


class SignInPrompt:
    """Where the device-code prompt goes: stderr (before the TUI starts) and `pending`, which
    the live view's header shows until a token arrives."""

    def __init__(self) -> None:
        self.pending: str | None = None

    def __call__(self, verification_uri: str, user_code: str, expires_on: Any) -> None:
        text = f"To sign in, open {verification_uri} and enter the code {user_code}."
        self.pending = f"sign in: open {verification_uri}, code {user_code}"
        print(text, file=sys.stderr, flush=True)

    def done(self) -> None:
        self.pending = None


def record_path(env: dict[str, str] | None = None) -> Path:
    """Where the device-code AuthenticationRecord (no secret in it) is kept."""
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "batchtop" / "device-code-record.json"


def load_record(tenant: str | None, path: Path | None = None) -> Any:
    """The saved AuthenticationRecord for `tenant` (any tenant if None), or None."""
    from azure.identity import AuthenticationRecord

    path = path or record_path()
    try:
        record = AuthenticationRecord.deserialize(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if tenant and record.tenant_id != tenant:
        return None
    return record


def save_record(record: Any, path: Path | None = None) -> None:
    """Save the record user-only (0600 file in a 0700 folder); failure only costs a prompt."""
    path = path or record_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600
        )
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(record.serialize())
    except OSError:
        pass


def make_credential(
    device_code: bool = False, tenant: str | None = None, prompt: SignInPrompt | None = None
) -> TokenCredential:
    """Build the credential batchtop signs in with (see module doc for the chain)."""
    from azure.identity import (
        DefaultAzureCredential,
        DeviceCodeCredential,
        TokenCachePersistenceOptions,
    )

    if device_code:
        record = load_record(tenant)
        credential = DeviceCodeCredential(
            tenant_id=tenant,
            prompt_callback=prompt or SignInPrompt(),
            cache_persistence_options=TokenCachePersistenceOptions(
                name=CACHE_NAME, allow_unencrypted_storage=True
            ),
            authentication_record=record,
        )
        # our own mark (not azure-identity's state): `sign_in` must authenticate and save one
        setattr(credential, NEEDS_RECORD, record is None)
        return credential
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


class RenewableCredential:
    """A TokenCredential whose cached tokens can be dropped after the service said 401.

    Clients cache tokens too, so `renew()` is only half of a re-acquire: the caller rebuilds
    its clients (see `session.Session.reconnect`). `renewals` counts how often that happened so
    we re-acquire once, not forever.
    """

    def __init__(
        self, factory: Callable[[], TokenCredential], prompt: SignInPrompt | None = None
    ) -> None:
        self._factory = factory
        self._inner = factory()
        self._lock = threading.Lock()
        self.renewals = 0
        self.prompt = prompt

    def renew(self) -> None:
        with self._lock:
            old, self._inner = self._inner, self._factory()
            self.renewals += 1
        close = getattr(old, "close", None)
        if callable(close):
            close()

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        with self._lock:
            inner = self._inner
        token = inner.get_token(*scopes, **kwargs)
        if self.prompt is not None:
            self.prompt.done()
        return token

    def sign_in(self, scope: str) -> None:
        """Get a first token; for device code, `authenticate` once and save the record so the
        next run finds the cached account and signs in without a prompt."""
        with self._lock:
            inner = self._inner
        authenticate = getattr(inner, "authenticate", None)
        if callable(authenticate) and getattr(inner, NEEDS_RECORD, False):
            save_record(authenticate(scopes=[scope]))
            if self.prompt is not None:
                self.prompt.done()
            return
        self.get_token(scope)

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


def arm_scope() -> str:
    """The token scope for Azure Resource Manager of the configured cloud (public by default).

    azure-ai-ml has no public API for the cloud's ARM endpoint: the private
    `_get_base_url_from_metadata` is used, with the public cloud as fallback (docs/azure.md).
    """
    try:
        from azure.ai.ml._azure_environments import _get_base_url_from_metadata

        return str(_get_base_url_from_metadata()).rstrip("/") + "/.default"
    except (ImportError, AttributeError):
        return PUBLIC_ARM_SCOPE


def check_sign_in(credential: TokenCredential, scope: str | None = None) -> None:
    """Get one token now so a sign-in problem is reported as such, not as a failed job lookup."""
    try:
        sign_in = getattr(credential, "sign_in", None)
        if callable(sign_in):
            sign_in(scope or arm_scope())
        else:
            credential.get_token(scope or arm_scope())
    except ClientAuthenticationError as exc:
        raise AzureError(
            "sign-in", f"no usable Azure credential ({first_line(exc)})", SIGN_IN_HINT
        ) from None
    except Exception as exc:  # azure-identity raises plain errors for broken env setups
        raise AzureError("sign-in", first_line(exc), SIGN_IN_HINT) from None
