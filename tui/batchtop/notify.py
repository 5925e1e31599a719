"""Where alert events go: a shell command (`--notify`), an HTTPS webhook (`--notify-url`), and
one line each on stdout (`--watch`).

Delivery never holds up the follow: commands and posts run on one background thread, in order,
and a command that hangs is killed after `COMMAND_TIMEOUT` (its whole process group, so a
`sleep` it started does not keep the pipe open). A failure is one line on stderr, and batchtop
goes on. The webhook goes through azure-core's pipeline, whose RetryPolicy retries a POST on
500/503/504 and honours Retry-After, with back-off: the same machinery the SDK uses.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from batchtop.textsafe import safe

COMMAND_TIMEOUT = 10.0
URL_TIMEOUT = 10.0
URL_RETRIES = 3

Deliver = Callable[[dict[str, Any]], None]


def warn(message: str) -> None:
    print(f"batchtop: {safe(message)}", file=sys.stderr, flush=True)


def run_command(command: str, timeout: float = COMMAND_TIMEOUT) -> Deliver:
    """`--notify CMD`: CMD through the shell, once per event, the event's JSON on its stdin."""

    def deliver(event: dict[str, Any]) -> None:
        data = (json.dumps(event) + "\n").encode()
        proc = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: a timeout kills all of it
        )
        try:
            proc.communicate(data, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            warn(f"--notify command timed out after {timeout:g}s ({event['event']}); going on")
            return
        if proc.returncode:
            warn(f"--notify command exited {proc.returncode} ({event['event']})")

    return deliver


def post_url(url: str, connection_verify: bool | str = True) -> Deliver:
    """`--notify-url URL`: POST the event's JSON with azure-core's retries."""
    from azure.core import PipelineClient
    from azure.core.exceptions import AzureError
    from azure.core.pipeline.policies import RetryPolicy
    from azure.core.rest import HttpRequest

    client: PipelineClient = PipelineClient(
        url,
        policies=[RetryPolicy(retry_total=URL_RETRIES, retry_backoff_factor=0.5)],
    )

    def deliver(event: dict[str, Any]) -> None:
        request = HttpRequest("POST", url, json=event)
        try:
            response = client.send_request(
                request, connection_timeout=URL_TIMEOUT, read_timeout=URL_TIMEOUT,
                connection_verify=connection_verify,
            )
        except AzureError as exc:
            warn(f"--notify-url: {type(exc).__name__} ({event['event']}); going on")
            return
        if response.status_code >= 400:
            warn(f"--notify-url answered {response.status_code} ({event['event']}); going on")

    return deliver


def print_line(stream: Any = None) -> Deliver:
    """`--watch`: one line per event, `at event node/process: message`, for logs and grep."""

    def deliver(event: dict[str, Any]) -> None:
        where = "/".join(p for p in (event["node"], event["process"]) if p)
        print(
            f"{event['at'] or '-'} {event['event']}{' ' + where if where else ''}: "
            f"{event['message']}",
            file=stream or sys.stdout,
            flush=True,
        )

    return deliver


class Dispatcher:
    """Runs the slow deliveries (commands, posts) on one thread, in order; `close` waits for
    what is queued (bounded by each delivery's own timeout)."""

    def __init__(self, slow: list[Deliver], fast: list[Deliver] | None = None) -> None:
        self.slow = slow
        self.fast = fast or []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="batchtop-notify", daemon=True)
        if slow:
            self._thread.start()

    def send(self, event: dict[str, Any]) -> None:
        for deliver in self.fast:
            deliver(event)
        if self.slow:
            self._queue.put(event)

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            for deliver in self.slow:
                try:
                    deliver(event)
                except Exception as exc:  # noqa: BLE001 - one bad delivery must not stop alerts
                    warn(f"alert delivery failed: {type(exc).__name__}: {exc}")

    def close(self, timeout: float | None = None) -> None:
        if self.slow:
            self._queue.put(None)
            self._thread.join(timeout)
