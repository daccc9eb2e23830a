#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs all of it,
# tier by tier (pytest.ini's markers; README, "Set up"): ruff's lint; the fast tier; the
# tests that train with real Keras (keras, app, claims); the browser tests in Debian's
# Chromium; then the tests whose outcome depends on Keras' backend again under JAX; and
# Ray's tier beside them all (it mostly waits on the cluster). A tier that fails does
# not stop the others; the script then exits non-zero. With arguments, it passes them to
# one pytest instead (`bash scripts/test.sh -m keras tests/test_jobs.py`).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's packages come while pip installs (each waits on the network, not the cores):
# Chromium, which Playwright cannot download here, for the browser tests; PostgreSQL for
# the tests marked `postgres`, on loopback (scripts/postgres.sh starts it). Each only where
# it is missing.
packages=()
[ -x "${FITLAB_CHROMIUM:-/usr/bin/chromium}" ] || packages+=(chromium)  # tests/e2e/server.py
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null ||
  packages+=(postgresql)
if [ "${#packages[@]}" -gt 0 ]; then
  apt_log=$(mktemp)
  sudo_if_needed=$([ "$(id -u)" -eq 0 ] || echo sudo)
  { $sudo_if_needed apt-get update -qq &&
    $sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
  } >"$apt_log" 2>&1 &
  apt_job=$!
fi

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if [ -n "${apt_job:-}" ] && ! wait "$apt_job"; then
  cat "$apt_log" >&2
  echo "apt-get could not install ${packages[*]}." >&2
  exit 1
fi

# The tests marked `postgres` need a real PostgreSQL on loopback, started by
# scripts/postgres.sh. Empty when it cannot start: those tests then fail, they never skip.
FITLAB_TEST_DATABASE_URL=$(bash scripts/postgres.sh) || true
export FITLAB_TEST_DATABASE_URL

status=0
timings=("$(printf '%-44s %4d s' "install (pip, apt, PostgreSQL)" "$SECONDS")")

# One pytest per tier: a tier's AppTests then share no cached pool with another's, and the
# log says what each tier cost. Each but Ray's runs in two processes (pytest.ini's -n 2).
# Exit 5 (nothing collected) fails the tier: a tier that selects nothing is a mistake, not
# a pass.
tier() {
  local name=$1 started=$SECONDS code=0
  shift
  echo "== ${name}: $*"
  "$@" || code=$?
  if [ "$code" -eq 5 ]; then
    echo "${name}: pytest collected no tests: that is a failure, not a pass." >&2
  fi
  timings+=("$(printf '%-44s %4d s  exit %d' "$name" $((SECONDS - started)) "$code")")
  [ "$code" -eq 0 ] || status=$code
  if [ -n "${figures_to:-}" ]; then  # a tier in the background: its figures for the parent
    printf '%s\n' "${timings[-1]}" >"$figures_to.time"
    echo "$code" >"$figures_to.status"
  fi
}

if [ "$#" -gt 0 ]; then
  tier "pytest $*" python3 -m pytest "$@"
else  # the whole suite, as CI runs it
  # Ray's tier runs beside the others from the start: it spends most of its time waiting
  # for the cluster to notice a lost head or node, with the cores idle (vmstat), and so
  # costs the tiers beside it only its cluster's CPU. Its log comes at the end. Skipped, not
  # failed, where Ray is not installed (requirements-ray.txt). In one process (-n 0): a Ray
  # cluster takes the machine's cores and ports for itself.
  ray_log=$(mktemp)
  { figures_to=$ray_log
    tier "Ray (ray), beside the tiers below" python3 -m pytest -n 0 -m "ray and not browser"
  } >"$ray_log" 2>&1 &
  ray_tier=$!
  tier "lint (ruff, pyproject.toml)" python3 -m ruff check .
  tier "fast (no marker)" python3 -m pytest
  tier "real Keras (keras, app, claims)" \
    python3 -m pytest -m "(keras or app or claims) and not (browser or ray)"
  tier "browser (browser)" python3 -m pytest -m browser
  # Every backend must train: the tests whose outcome depends on it, again under JAX (its
  # CPU wheels come from the ordinary index, in requirements-dev.txt). PyTorch's tests, in
  # tests/test_backends.py (the real-Keras tier), skip where it is not installed, as in CI:
  # its wheels from that index bring the CUDA libraries.
  tier "JAX (backend, KERAS_BACKEND=jax)" env KERAS_BACKEND=jax python3 -m pytest -q -m backend
  wait "$ray_tier" || true
  cat "$ray_log"
  if [ -s "$ray_log.status" ]; then
    timings+=("$(cat "$ray_log.time")")
    [ "$(cat "$ray_log.status")" -eq 0 ] || status=$(cat "$ray_log.status")
  else
    echo "The Ray tier ended without its figures: a failure." >&2
    status=1
  fi
fi

echo "== Time per tier:"
printf '%s\n' "${timings[@]}"
exit "$status"
