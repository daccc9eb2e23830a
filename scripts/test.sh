#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs all of it:
# engine tests with real Keras, AppTest page tests, and browser tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Playwright cannot download its own browser here; the tests drive Debian's Chromium.
if [ ! -x /usr/bin/chromium ]; then
  sudo_if_needed=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo_if_needed apt-get update -qq
  $sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

status=0
python3 -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
fi
exit "$status"
