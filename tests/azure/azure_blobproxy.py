"""A loopback reverse proxy in front of Azurite: counts the bytes batchtop downloads and injects
storage faults (429/503 with Retry-After, 403, dropped connections) that Azurite cannot produce.

Only batchtop's traffic goes through it (tests write blobs to Azurite directly), so
`blob_bytes` is an independent measure of what following a job cost.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade",
              "te", "trailer", "content-length", "host"}


@dataclass
class ProxyFault:
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    kind: str = "any"  # "list", "read" or "any"
    code: str | None = None  # x-ms-error-code; default by status (ServerBusy/AuthenticationFailed)
    message: str = "injected"


class BlobProxy:
    """`tls=(cert, key)` serves HTTPS (storage accepts bearer tokens over HTTPS only);
    `authorize` turns on Azure AD auth for requests that carry a bearer token (see
    `_bearer_refusal`)."""

    def __init__(self, upstream_port: int, tls: tuple[Path, Path] | None = None,
                 authorize: Callable[[str], tuple[int, str] | None] | None = None) -> None:
        self.upstream_port = upstream_port
        self.authorize = authorize
        self.faults: deque[ProxyFault] = deque()
        self.blob_bytes = 0
        self.reads = 0
        self.lists = 0
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> BlobProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, *faults: ProxyFault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def reset_counters(self) -> None:
        with self.lock:
            self.blob_bytes = self.reads = self.lists = 0
            self.requests.clear()

    def _take_fault(self, kind: str) -> ProxyFault | None:
        with self.lock:
            if self.faults and self.faults[0].kind in ("any", kind):
                return self.faults.popleft()
        return None


STORAGE_MESSAGES = {
    "AuthorizationPermissionMismatch":
        "This request is not authorized to perform this operation using this permission.",
    "InvalidAuthenticationInfo": "Authentication information is not given in the correct format.",
    "ResourceNotFound": "The specified resource does not exist.",
}


def _bearer_refusal(proxy: BlobProxy, headers: Any) -> tuple[int, str] | None:
    """Storage's Azure AD check, for a proxy with `authorize`: a bearer token is checked by
    `authorize(token)` (None = allowed, else (status, x-ms-error-code) as storage answers:
    401 InvalidAuthenticationInfo for a bad token, 403 AuthorizationPermissionMismatch for an
    identity without a data role). An allowed request is forwarded WITHOUT its Authorization
    header, to a container that Azurite serves anonymously (public access): Azurite checks no
    Azure AD tokens of its own. A request with no credential at all is refused as storage
    refuses anonymous reads of a private container."""
    auth = headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return proxy.authorize(auth[7:]) if proxy.authorize else None
    if not auth:
        return 404, "ResourceNotFound"
    return None


def _handler(proxy: BlobProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            kind = "list" if "comp=list" in self.path else "read"
            with proxy.lock:
                proxy.requests.append(f"{self.command} {self.path}")
            fault = proxy._take_fault(kind)
            refused = _bearer_refusal(proxy, self.headers) if proxy.authorize else None
            if refused is not None:
                fault = ProxyFault(refused[0], code=refused[1],
                                   message=STORAGE_MESSAGES.get(refused[1], refused[1]))
            if fault is not None:
                if fault.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(fault.status)
                for k, v in fault.headers.items():
                    self.send_header(k, v)
                code = fault.code or ("ServerBusy" if fault.status in (429, 503)
                                      else "AuthenticationFailed")
                payload = (b'<?xml version="1.0" encoding="utf-8"?><Error><Code>'
                           + code.encode() + b"</Code><Message>" + fault.message.encode()
                           + b"</Message></Error>")
                self.send_header("Content-Type", "application/xml")
                self.send_header("x-ms-error-code", code)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            if proxy.authorize and headers.get("Authorization", "").startswith("Bearer "):
                del headers["Authorization"]  # checked above; Azurite serves it anonymously
            headers["Host"] = f"127.0.0.1:{proxy.upstream_port}"
            upstream.request(self.command, self.path, body=body, headers=headers)
            resp = upstream.getresponse()
            data = resp.read()
            upstream.close()
            if self.command == "GET":
                with proxy.lock:
                    if kind == "list":
                        proxy.lists += 1
                    else:
                        proxy.reads += 1
                        proxy.blob_bytes += len(data)
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            # a HEAD's Content-Length is the blob's size (its body is empty): pass it on
            length = resp.getheader("Content-Length") if self.command == "HEAD" else None
            self.send_header("Content-Length", length or str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

    return Handler
