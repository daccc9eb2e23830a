#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs all of it,
# tier by tier (pytest.ini's markers; README, "Set up"): ruff's lint; the fast tier; the tests that train
# with real Keras (keras, app, claims); Ray's; the browser tests in Debian's Chromium; and
# the tests whose outcome depends on Keras' backend again under JAX. A tier that fails does
# not stop the others; the script then exits non-zero. With arguments, it passes them to
# one pytest instead (`bash scripts/test.sh -m keras tests/test_jobs.py`).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Playwright cannot download its own browser here; the tests drive Debian's Chromium.
if [ ! -x /usr/bin/chromium ]; then
  sudo_if_needed=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo_if_needed apt-get update -qq
  $sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The tests marked `postgres` need a real PostgreSQL on loopback: Debian's package, started
# by scripts/postgres.sh. Empty when it cannot start: those tests then fail, they never skip.
FITLAB_TEST_DATABASE_URL=$(bash scripts/postgres.sh) || true
export FITLAB_TEST_DATABASE_URL

status=0
timings=()

# One pytest per tier: a tier's AppTests then share no cached pool with another's, and the
# log says what each tier cost. Each but Ray's runs in two processes (pytest.ini's -n 2).
# Exit 5 (nothing collected) fails the tier: a tier that selects nothing is a mistake, not
# a pass.
tier() {
  local name=$1 started=$SECONDS code=0
  shift
  echo "== ${name}: pytest $*"
  "$@" || code=$?
  if [ "$code" -eq 5 ]; then
    echo "${name}: pytest collected no tests: that is a failure, not a pass." >&2
  fi
  timings+=("$(printf '%-44s %4d s  exit %d' "$name" $((SECONDS - started)) "$code")")
  [ "$code" -eq 0 ] || status=$code
}

if [ "$#" -gt 0 ]; then
  tier "pytest $*" python3 -m pytest "$@"
else  # the whole suite, as CI runs it
  tier "lint (ruff, pyproject.toml)" python3 -m ruff check .
  tier "fast (no marker)" python3 -m pytest
  tier "real Keras (keras, app, claims)" \
    python3 -m pytest -m "(keras or app or claims) and not (browser or ray)"
  # Skipped, not failed, where Ray is not installed (requirements-ray.txt). In one process
  # (-n 0): a Ray cluster takes the machine's cores and ports for itself.
  tier "Ray (ray)" python3 -m pytest -n 0 -m "ray and not browser"
  tier "browser (browser)" python3 -m pytest -m browser
  # Every backend must train: the tests whose outcome depends on it, again under JAX (its
  # CPU wheels come from the ordinary index, in requirements-dev.txt). PyTorch's tests, in
  # tests/test_backends.py, skip where it is not installed, as in CI: its wheels from that
  # index bring the CUDA libraries.
  tier "JAX (backend, KERAS_BACKEND=jax)" env KERAS_BACKEND=jax python3 -m pytest -q -m backend
fi

echo "== Time per tier:"
printf '%s\n' "${timings[@]}"
exit "$status"
