"""The Streamlit server process must never import Keras or TensorFlow (see design.md).

Other test files import Keras into pytest's own process, so this check runs every page, the
compile challenge checked by Keras (fitlab.judge), and a real training run started from the
page, in a fresh interpreter of its own. The pages are
whatever app_pages/ holds, so a new page is checked without editing this file.
"""

import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Train last: the run below is started from its page.
PAGES = sorted((path.relative_to(ROOT).as_posix() for path in (ROOT / "app_pages").glob("*.py")),
               key=lambda page: (page == "app_pages/train.py", page))

SERVER_SESSION = """
import json, sys, time
from streamlit.testing.v1 import AppTest

at = AppTest.from_file("app.py", default_timeout=60).run()
for page in json.loads(sys.argv[1]):
    at.switch_page(page).run()
    assert not at.exception, (page, at.exception)
at.switch_page("app_pages/exercises.py").run()
at.text_input(key="page_optimizer").input('"adam"')
at.text_input(key="page_loss").input('"categorical_crossentropy"')
at.text_input(key="page_metrics").input('["accuracy"]')
next(button for button in at.button if button.label == "Check my answer").click().run()
judged = any(box.value.startswith("Right") for box in at.success)
at.switch_page("app_pages/train.py").run()
at.number_input(key="train_images").set_value(100)
at.slider(key="epochs").set_value(1)
next(button for button in at.button if button.label == "Train").click().run()
deadline = time.monotonic() + 120
while not (at.success or at.error or at.warning) and time.monotonic() < deadline:
    time.sleep(0.5)
    at.run()
print(json.dumps({
    "finished": bool(at.success), "judged": judged,
    "loaded": sorted(name for name in ("keras", "tensorflow", "ray") if name in sys.modules),
}))
"""


def test_every_page_and_a_whole_run_leave_keras_and_tensorflow_unloaded():
    """And Ray: without FITLAB_RAY_ADDRESS, nothing of it is imported (fitlab.cluster)."""
    routed = set(re.findall(r"app_pages/\w+\.py", (ROOT / "app.py").read_text()))
    assert routed and routed <= set(PAGES)  # the listing found every page the router names
    environment = {name: value for name, value in os.environ.items()
                   if name != "FITLAB_RAY_ADDRESS"}
    result = subprocess.run([sys.executable, "-c", SERVER_SESSION, json.dumps(PAGES)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"finished": True, "judged": True, "loaded": []}
