"""Small files in the real formats of Keras' data sets, and a local server standing in for
the internet: shared by the download tests and the browser tests."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import io
import pickle
import tarfile
import threading
import time

import numpy as np


def _cifar_archive(per_batch: int = 6) -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in [f"data_batch_{n}" for n in range(1, 6)] + ["test_batch"]:
            batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                     b"labels": list(range(per_batch))}
            payload = pickle.dumps(batch, protocol=4)
            member = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            member.size = len(payload)
            tar.addfile(member, io.BytesIO(payload))
    return buffer.getvalue()


def _mnist_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.full((7, 28, 28), 9, np.uint8), y_train=np.arange(7) % 10,
             x_test=np.zeros((3, 28, 28), np.uint8), y_test=np.arange(3))
    return buffer.getvalue()


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        size.to_bytes(4, "big") for size in array.shape)
    return gzip.compress(header + array.tobytes())


def fashion_mnist_files(train: int, test: int) -> dict[str, bytes]:
    """Fashion-MNIST's four files holding noise pictures, labelled 0-9 in turn."""
    rng = np.random.default_rng(2)
    return {
        "train-labels-idx1-ubyte.gz": _idx((np.arange(train) % 10).astype(np.uint8)),
        "train-images-idx3-ubyte.gz": _idx(rng.integers(0, 256, (train, 28, 28), np.uint8)),
        "t10k-labels-idx1-ubyte.gz": _idx((np.arange(test) % 10).astype(np.uint8)),
        "t10k-images-idx3-ubyte.gz": _idx(rng.integers(0, 256, (test, 28, 28), np.uint8)),
    }


FILES = {
    "cifar-10-python.tar.gz": _cifar_archive(),
    "mnist.npz": _mnist_npz(),
    "train-labels-idx1-ubyte.gz": _idx(np.arange(5, dtype=np.uint8)),
    "train-images-idx3-ubyte.gz": _idx(np.ones((5, 28, 28), np.uint8)),
    "t10k-labels-idx1-ubyte.gz": _idx(np.arange(2, dtype=np.uint8)),
    "t10k-images-idx3-ubyte.gz": _idx(np.zeros((2, 28, 28), np.uint8)),
}


# What a mirror or a captive portal answers, with status 200, where a data set's file was asked.
WEB_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in to the Wi-Fi</title></head></html>\n"


@contextlib.contextmanager
def serve(files: dict[str, bytes], seconds_per_file: float = 0.0,
          cut_short: dict[str, int] | None = None):
    """Yield (base URL, names requested so far) of a local HTTP server for `files`; with
    `seconds_per_file`, each file trickles out in ten pieces, as over a slow network; a name
    in `cut_short` announces its whole length but sends only that many bytes, then hangs up,
    as a dropped connection does."""
    cut_short = cut_short or {}
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.rsplit("/", 1)[1]
            requests.append(name)
            if name not in files:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(files[name])))
            self.end_headers()
            content = files[name][:cut_short.get(name, len(files[name]))]
            piece = len(content) // 10 + 1
            for start in range(0, len(content), piece):
                self.wfile.write(content[start:start + piece])
                self.wfile.flush()
                time.sleep(seconds_per_file / 10)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/files", requests
    finally:
        server.shutdown()


