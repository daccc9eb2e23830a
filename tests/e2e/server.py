"""Starting Fit Lab under `streamlit run` and Debian's Chromium: shared by the browser tests
and the load benchmarks."""

from __future__ import annotations

import contextlib
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("FITLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(log: pathlib.Path, port: int | None = None, app: pathlib.Path = ROOT,
                     start_seconds: float = 60, **environment: str | None):
    """Yield (url, process) of `streamlit run app.py` on a loopback port (a free one unless
    given: a restarted server keeps its address). `app`: the folder served (a benchmark
    serves another commit's); an `environment` value of None removes that variable."""
    port = port or free_port()
    env = {name: value for name, value in {**os.environ, **environment}.items()
           if value is not None}
    with open(log, "a") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=app, stdout=output, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"streamlit did not start:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield url, server
    finally:
        workers = _children(server.pid)
        server.terminate()
        server.wait(timeout=60)
        _wait_for_exit(workers)


def _children(pid: int) -> list[int]:
    listed = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in listed.stdout.split()]


def _running(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping is left


def _wait_for_exit(pids: list[int], seconds: float = 30) -> None:
    """Raise if any of the server's workers outlives it: nothing may be left behind."""
    deadline = time.monotonic() + seconds
    while (alive := [pid for pid in pids if _running(pid)]):
        if time.monotonic() > deadline:
            raise RuntimeError(f"training workers {alive} outlived the server")
        time.sleep(0.2)


class FlakyLink:
    """A TCP relay between the browser and the server that can drop every connection and
    refuse new ones for a while, then come back."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._deaf = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def drop(self) -> None:
        self.up = False
        self._deaf.clear()
        with self._lock:
            sockets, self._open = self._open, set()
        for side in sockets:
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
            side.close()

    def restore(self) -> None:
        self.up = True

    def lose_answers(self) -> None:
        """From now until drop(), what the browser sends reaches the server but nothing comes
        back: the start of a drop that takes the answer to a click, without the race of
        dropping at a guessed moment, which on a busy machine can take the click too."""
        self._deaf.set()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, server}
            for source, sink, answers in ((client, server, False), (server, client, True)):
                threading.Thread(target=self._pump, args=(source, sink, answers),
                                 daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if not (answers and self._deaf.is_set()):
                    sink.sendall(chunk)
        for side in (source, sink):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def rss_megabytes(pid: int, children: bool = True) -> float:
    """Resident memory of a process and, unless told not to, its children (the training
    workers), in MB."""
    total = 0
    for process in [pid, *(_children(pid) if children else [])]:
        try:
            status = pathlib.Path(f"/proc/{process}/status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
    return total / 1024
