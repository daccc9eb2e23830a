"""A stand-in for fitlab.judge that finds every blank it is asked about right, without Keras
(whose import takes seconds): for tests/e2e/test_layout.py, whose assertion is what the page
lets a learner do after a right answer, not what Keras makes of it (tests/test_compile_challenge.py
and the app tier ask the real judge). Speaks the judge's JSON lines: `ready`, then an answer
per question, by its id."""

import json
import sys

print(json.dumps({"type": "ready"}), flush=True)
for line in sys.stdin:
    question = json.loads(line)
    print(json.dumps({"id": question["id"],
                      **{blank: {"ok": True, "items": []}
                         for blank in ("optimizer", "loss", "metrics") if blank in question}}),
          flush=True)
