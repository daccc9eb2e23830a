"""One trainer process as the pool sees it: started, spoken to in `fitlab.protocol`'s JSON
lines over its standard input and output, listened to from a thread, and, when it goes, the
reason in words. Workers are fresh interpreters, never forks: the server has threads.
"""

from __future__ import annotations

import pathlib
import queue
import subprocess
import sys
import threading
import time

from fitlab import config
from fitlab.protocol import TYPE, Event, ProtocolError, encode, read_event

WORKER_COMMAND = [sys.executable, "-m", "fitlab.worker"]
PROJECT_ROOT = pathlib.Path(__file__).resolve().parent.parent
# A worker says it is alive every ALIVE_SECONDS, even while importing TensorFlow or inside a
# long batch; one silent this long has frozen (stopped, or stuck in a library) and is killed.
SILENCE_SECONDS = 60.0


class WorkerProcess:
    """One `python -m fitlab.worker` process, spoken to in JSON lines over its stdin/stdout.

    A plain subprocess rather than multiprocessing: multiprocessing's spawn re-imports the
    parent's main module in the child, which under `streamlit run`, pytest or a script
    without a main guard either costs seconds or starts a second pool.
    """

    def __init__(self, command: list[str] | None = None):
        self.process = subprocess.Popen(
            command or config.worker_command() or WORKER_COMMAND,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            cwd=PROJECT_ROOT, errors="replace",
        )
        self.events: queue.Queue = queue.Queue()
        self.device = ""
        self.runs = 0
        self.heard_at = time.monotonic()
        self.fault = ""  # what was wrong with what it sent, if that is why it is gone
        self.cluster: dict | None = None  # a Ray trainer's figures of its cluster
        threading.Thread(target=self._read, daemon=True, name="fitlab-worker-reader").start()

    def _read(self) -> None:
        try:
            for line in self.process.stdout:
                event = read_event(line)
                self.heard_at = time.monotonic()
                if event[TYPE] == Event.GONE:  # its last words: why it is leaving
                    self.fault = event["reason"]
                    break
                if event[TYPE] == Event.ALIVE:
                    self.cluster = event.get("cluster", self.cluster)
                else:
                    self.events.put(event)
        except ProtocolError as fault:
            self.fault = str(fault)
            self.process.kill()
        except (OSError, ValueError):  # its pipe closed under us: it has gone
            pass
        finally:
            self.events.put(None)  # end of file: the worker has gone

    def silent_for(self) -> float:
        return time.monotonic() - self.heard_at

    def frozen(self) -> bool:
        """Silent past SILENCE_SECONDS: it says `alive` every ALIVE_SECONDS, even while it
        imports TensorFlow or runs a long batch, so it has stopped or is stuck in a library."""
        return self.silent_for() > SILENCE_SECONDS

    def has_exited(self) -> bool:
        return self.process.poll() is not None

    def kill_for(self, fault: str) -> None:
        """End a worker that sent what the pool cannot use, with `fault` as its reason."""
        self.fault = fault
        self.close(kill=True)

    def send(self, message: dict) -> None:
        self.process.stdin.write(encode(message))
        self.process.stdin.flush()

    def receive(self, timeout: float):
        """The next event, None if none came in time; EOFError if the worker has died."""
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is None:
            self.events.put(None)
            raise EOFError
        return event

    def close(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.process.stdin.close()  # end of input: the worker finishes and exits
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def exit_reason(self) -> str:
        if self.fault:
            return self.fault
        if self.frozen():
            return f"it stopped answering for {SILENCE_SECONDS:.0f} seconds"
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            return (
                f"it was killed by signal {-code}, which usually means the machine ran out of "
                "memory: try fewer training images or a smaller batch size"
            )
        return f"it exited with status {code}"
