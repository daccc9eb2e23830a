"""The Streamlit server process must never import Keras or TensorFlow (see design.md).

Other test files import Keras into pytest's own process, so this check runs every page, and
a real training run started from the page, in a fresh interpreter of its own.
"""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

SERVER_SESSION = """
import json, sys, time
from streamlit.testing.v1 import AppTest

at = AppTest.from_file("app.py", default_timeout=60).run()
for page in ("app_pages/about.py", "app_pages/data.py", "app_pages/runs.py",
             "app_pages/evaluate.py", "app_pages/train.py"):
    at.switch_page(page).run()
    assert not at.exception, at.exception
at.number_input(key="train_images").set_value(100)
at.slider(key="epochs").set_value(1)
next(button for button in at.button if button.label == "Train").click().run()
deadline = time.monotonic() + 120
while not (at.success or at.error or at.warning) and time.monotonic() < deadline:
    time.sleep(0.5)
    at.run()
print(json.dumps({
    "finished": bool(at.success),
    "loaded": sorted(name for name in ("keras", "tensorflow") if name in sys.modules),
}))
"""


def test_every_page_and_a_whole_run_leave_keras_and_tensorflow_unloaded():
    result = subprocess.run([sys.executable, "-c", SERVER_SESSION], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"finished": True, "loaded": []}
