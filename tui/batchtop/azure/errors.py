"""One error type for everything that goes wrong talking to Azure, and the redaction of secrets.

Users see exactly one line that names the step that failed (sign-in, workspace, job, storage,
network) and what to run next, never a traceback: batchtop runs on jump boxes where people paste
its output into chats and tickets. For the same reason every message passes through `redact`
(the one table in `batchtop.textsafe`), which removes bearer tokens, SAS query strings, keys,
passwords and any secret registered at runtime (the datastore key or SAS the service handed
us), whatever the message's origin.
"""

from __future__ import annotations

import logging

# One redactor for the whole program: the table lives in textsafe (log text uses it too).
from batchtop.textsafe import redact as redact
from batchtop.textsafe import register_secret as register_secret

EXIT_AZURE = 3
"""Exit code for sign-in, workspace or network failures (0/1/2 keep their `--once` meaning)."""


class AzureError(Exception):
    """A failure the user can act on: which step failed, why, and what to run next.

    `exit_code` is 3 for sign-in/workspace/network failures; a few usage mistakes found only
    once we talk to Azure (several scoring steps and no `--step`) use 2 like other bad usage.
    """

    def __init__(
        self, step: str, message: str, hint: str | None = None, exit_code: int = EXIT_AZURE
    ) -> None:
        self.step = step
        self.message = " ".join(redact(message).split())  # multi-line forms (PEM, YAML) first
        self.hint = redact(hint) if hint else None
        self.exit_code = exit_code
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"batchtop: {self.step} failed: {self.message}"
        if self.hint:
            text += f" Next: {self.hint}"
        return text


class TransientError(Exception):
    """Throttling (429), a server error (5xx) or a dropped connection: retry later.

    `retry_after` is the service's own Retry-After in seconds when it sent one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(redact(message))
        self.retry_after = retry_after


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's text, redacted: SDK errors run to pages."""
    for line in str(exc).splitlines():
        line = line.strip()
        if line:
            return redact(line)[:300]
    return type(exc).__name__


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds the service asked us to wait, from the error's response, if it said.

    Parsed by azure-core's own `RetryPolicy.get_retry_after`: `Retry-After` in seconds or as an
    HTTP date, `retry-after-ms`, `x-ms-retry-after-ms`.
    """
    from azure.core.pipeline import PipelineContext, PipelineResponse
    from azure.core.pipeline.policies import RetryPolicy

    response = getattr(exc, "response", None)
    if response is None or getattr(response, "headers", None) is None:
        return None
    try:
        seconds = RetryPolicy().get_retry_after(
            PipelineResponse(None, response, PipelineContext(None))  # type: ignore[arg-type]
        )
    except (TypeError, ValueError, OverflowError):
        return None
    return None if seconds is None else max(0.0, float(seconds))


class RedactingFilter(logging.Filter):
    """Logging filter that redacts each record's final text (SDK loggers print URLs with SAS)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


_verbose = False


def quiet_sdk_logging(verbose: bool | None = None) -> None:
    """Silence the Azure SDK loggers and redact whatever still gets through.

    azure-ai-ml gives some module loggers their own INFO level and stderr handler (they print
    e.g. "Proceeding with no tenant id..."), so every existing `azure*`/`msal` logger is visited;
    call again after importing azure.ai.ml.
    """
    global _verbose
    if verbose is not None:
        _verbose = verbose
    level = logging.INFO if _verbose else logging.CRITICAL
    names = [
        n
        for n in list(logging.root.manager.loggerDict)
        if n.split(".")[0] in ("azure", "msal", "urllib3")
    ]
    for name in ("azure", "msal", "urllib3", *names):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for handler in [*logger.handlers, *logging.getLogger().handlers]:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
