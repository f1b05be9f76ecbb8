"""The benchmarks' load generator in C: `wrk` (Debian package `wrk`), driven by a generated Lua
script that rotates through the same raw HTTP/1.1 requests as `bench.graphql.drive`.

On a 2-core machine the Python generator takes a large share of the cores from the servers it
loads; wrk takes far less, so ratios between servers (one worker against two) are closer to what
a separate client machine would see. A request counts as failed when its status is not 200 or
its body holds `"errors"` (a GraphQL error), as in `bench.graphql.is_ok`; socket errors count too.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.graphql import Result
from bench.http import HOST

SCRIPT = """
local requests = {%(requests)s}
local counter = 0
failures = 0  -- a global: done() reads it from each thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counter = tonumber(wrk.thread.id or 0) or 0
end

function request()
  counter = counter + 1
  return requests[(counter %% #requests) + 1]
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p99_us": %%d, '
      .. '"failures": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(99), failed,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def lua_string(raw: bytes) -> str:
    """A Lua string literal holding `raw` exactly (decimal escapes; Lua's long brackets would
    turn CRLF into LF)."""
    printable = (chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in raw)
    return '"' + "".join(printable) + '"'


def drive(port: int, requests: Sequence[bytes], connections: int, duration: float) -> Result:
    """Keep `connections` connections busy for `duration` seconds from one wrk thread; the
    result carries wrk's request count, duration, p99, failures and wrk's own CPU time."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script = Path(folder) / "requests.lua"
        script.write_text(SCRIPT % {"requests": ",\n".join(map(lua_string, requests))})
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        completed = subprocess.run(
            [
                *("wrk", "--threads", "1", "--connections", str(connections)),
                *("--duration", f"{max(1, round(duration))}s", "--timeout", "10s"),
                *("--script", str(script), f"http://{HOST}:{port}/"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    return Result(
        name="",
        requests=summary["requests"],
        failures=summary["failures"] + summary["socket_errors"],
        seconds=summary["duration_us"] / 1e6,
        reported_p99_ms=summary["p99_us"] / 1000,
        client_cpu=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )
