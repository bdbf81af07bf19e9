"""Fixtures of the streamll Python suite: real parts only (the extension
module from the build tree, a real redis-server, the real CLI).

Run from the repository root:

    PYTHONPATH=build/python STREAMLL_CLI=build/tools/streamll/streamll \
        /usr/bin/python3 -m pytest python/tests -q

The runtime is process-wide (one per process). Tests that start one in this
process go through the `runtime` fixture (init on a fresh store, shutdown
and the configure() state reset afterwards); tests of what only a fresh
process shows (the implicit start, fork, interpreter exit) run their code in
a subprocess through `run_py`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable

import pytest

import streamll
from streamll import runtime as _runtime

REDIS_SERVER = "/usr/bin/redis-server"


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.01) -> Any:
    """Polls predicate() until it returns something truthy (returned) or the
    deadline passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


def _reset_process_state() -> None:
    streamll.shutdown()
    _runtime._configure_filter(None)
    _runtime._configure_sinks(None)
    streamll.set_context()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every test: the default store ($STREAMLL_DB) in its own temp folder,
    so that an implicit start never writes into the working directory, and
    no runtime, sinks or filter left over from the test before."""
    monkeypatch.setenv("STREAMLL_DB", str(tmp_path / "default.db"))
    _reset_process_state()
    yield
    _reset_process_state()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A fresh store path (not created yet: init() or the first emit does)."""
    return tmp_path / "events.db"


@pytest.fixture
def runtime(store_path: Path):
    """A runtime in this process on a fresh store; shut down after the test.
    Yields the store path."""
    streamll.init(store_path, flush_interval=0.05)
    yield store_path
    streamll.shutdown()


def _child_env(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # The package under test: the build tree's copy this process imported.
    package_root = str(Path(streamll.__file__).resolve().parent.parent)
    parts = [package_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(parts))
    env.setdefault("STREAMLL_DB", str(tmp_path / "default.db"))
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update(extra)
    return env


@pytest.fixture
def child_env(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """The environment of a child Python: PYTHONPATH passed through."""
    return lambda extra=None: _child_env(tmp_path, extra)


@pytest.fixture
def run_py(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """run_py(code, env=None, timeout=60, check=True): runs `code`
    (dedented) in a fresh `python -c` with the package importable, in the
    test's temp folder; returns the CompletedProcess (text). With check, a
    non-zero exit fails the test with the child's output."""

    def run(code: str, env: dict[str, str] | None = None, timeout: float = 60,
            check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=_child_env(tmp_path, env),
                              cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            pytest.fail(f"child exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
        return proc

    return run


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_command(port: int, *args: str, timeout: float = 2.0) -> bytes:
    """One command over a raw RESP socket; the raw reply (first read)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(_encode(args))
        return s.recv(1 << 20)


class RedisServer:
    """A running redis-server on 127.0.0.1:port."""

    def __init__(self, port: int, process: subprocess.Popen, password: str | None = None):
        self.port = port
        self.process = process
        self.password = password
        self.url = f"redis://:{password}@127.0.0.1:{port}" if password else f"redis://127.0.0.1:{port}"

    def command(self, *args: str, db: int = 0) -> Any:
        """One command's parsed reply (after AUTH and SELECT when needed)."""
        prefix: list[list[str]] = []
        if self.password:
            prefix.append(["AUTH", self.password])
        if db:
            prefix.append(["SELECT", str(db)])
        return redis_command_full(self.port, *args, before=prefix).value

    def xlen(self, key: str, db: int = 0) -> int:
        return int(self.command("XLEN", key, db=db))

    def entries(self, key: str, db: int = 0) -> list[tuple[str, dict[str, str]]]:
        """Every entry of a stream as (id, {field: value}), by XRANGE."""
        return [(entry_id, dict(zip(fields[0::2], fields[1::2])))
                for entry_id, fields in self.command("XRANGE", key, "-", "+", db=db)]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def _encode(args: tuple[str, ...] | list[str]) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)


def redis_command_full(port: int, *args: str, before: list[list[str]] = ()) -> "_Resp":
    """One command over RESP (after the commands `before`, whose replies
    are skipped); its whole reply, parsed (an error reply raises)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"".join(_encode(c) for c in [*before, list(args)]))
        buf = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise ConnectionError(f"redis closed the connection: {buf!r}")
            buf += chunk
            try:
                replies = _Resp(buf, count=len(before) + 1)
            except _Incomplete:
                continue
            last = replies.value
            if isinstance(last, RedisReplyError):
                raise last
            return replies


class RedisReplyError(Exception):
    pass


class _Incomplete(Exception):
    pass


class _Resp:
    """A minimal RESP2 reply parser (strings decoded as UTF-8)."""

    def __init__(self, data: bytes, count: int = 1):
        self.data = data
        self.pos = 0
        for _ in range(count):  # the last reply is the value
            self.value = self._parse()

    def _line(self) -> bytes:
        end = self.data.find(b"\r\n", self.pos)
        if end < 0:
            raise _Incomplete
        line = self.data[self.pos:end]
        self.pos = end + 2
        return line

    def _parse(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisReplyError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            if len(self.data) < self.pos + n + 2:
                raise _Incomplete
            s = self.data[self.pos:self.pos + n].decode()
            self.pos += n + 2
            return s
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._parse() for _ in range(n)]
        raise ValueError(f"bad RESP reply: {line!r}")


def _start_redis(workdir: Path, password: str | None = None) -> RedisServer:
    binary = REDIS_SERVER if os.path.exists(REDIS_SERVER) else shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    extra = ["--requirepass", password] if password else []
    ping = ["AUTH", password] if password else []
    for _attempt in range(3):
        port = _free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir), "--daemonize", "no", "--loglevel", "warning", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if ping:
                    redis_command(port, *ping, timeout=0.5)
                if redis_command(port, "PING", timeout=0.5).startswith((b"+PONG", b"-NOAUTH")):
                    return RedisServer(port, process, password)
            except OSError:
                time.sleep(0.02)
        process.kill()
        process.wait()
    pytest.fail("redis-server did not answer PING")


@pytest.fixture
def redis_server(tmp_path: Path):
    """A real redis-server on a free loopback port (no persistence), killed
    after the test. Skips only when redis-server is not installed."""
    server = _start_redis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_auth_server(tmp_path: Path):
    """As redis_server, with --requirepass; .url carries the password."""
    server = _start_redis(tmp_path, password="s3cret-pw")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cli() -> str:
    """The streamll CLI from $STREAMLL_CLI (skips when unset)."""
    path = os.environ.get("STREAMLL_CLI")
    if not path:
        pytest.skip("STREAMLL_CLI is not set (the path of the built streamll CLI)")
    if not os.access(path, os.X_OK):
        pytest.fail(f"STREAMLL_CLI={path} is not an executable")
    return os.path.abspath(path)
