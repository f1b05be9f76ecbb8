"""Raw HTTP/1.1 on loopback for the benchmarks: request bytes, response parsing, and starting a
server process until it answers. Hand-rolled on purpose: a client library would cost more CPU per
request than the server under test."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from typing import Any

HOST = "127.0.0.1"


def post(path: str, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: application/json\r\n\r\n".encode()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None and status in (204, 304):
        return status, b""  # no content by definition (RFC 9110)
    if length is None:
        raise RuntimeError(f"response without Content-Length: {head!r}")
    return status, await reader.readexactly(length)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_until_up(
    process: subprocess.Popen[bytes], port: int, path: str, log_hint: str = ""
) -> int:
    """Poll `path` until it answers 200 (30 s at most); the port, or RuntimeError."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5) as sock:
                sock.sendall(get(path))
                if b" 200 " in sock.recv(4096):
                    return port
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}{log_hint}")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not answer {path} with 200 in 30 s")
