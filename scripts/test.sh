#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs all of it:
# engine tests with real Keras, AppTest page tests, and browser tests in Debian's Chromium;
# then, without arguments (as CI runs it), the engine's tests again under Keras' JAX backend.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Playwright cannot download its own browser here; the tests drive Debian's Chromium.
if [ ! -x /usr/bin/chromium ]; then
  sudo_if_needed=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo_if_needed apt-get update -qq
  $sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The engine's tests that train, run a second time under Keras' JAX backend (its CPU wheels
# come from the ordinary index, in requirements-dev.txt): every backend must train. These
# files are those whose outcome can depend on the backend; the run store's tests, which
# train too, test only what is kept. PyTorch's tests, in tests/test_backends.py, skip where
# it is not installed, as in CI: its wheels from that index bring the CUDA libraries.
ENGINE_TESTS=(tests/test_training.py tests/test_jobs.py tests/test_cli.py tests/test_export.py
              tests/test_models.py)

status=0
python3 -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
fi
if [ "$#" -eq 0 ]; then  # the whole suite, as CI runs it: then the JAX pass
  echo "The engine's tests again, under KERAS_BACKEND=jax:"
  jax_status=0
  KERAS_BACKEND=jax python3 -m pytest -q "${ENGINE_TESTS[@]}" || jax_status=$?
  [ "$status" -ne 0 ] || status=$jax_status
fi
exit "$status"
