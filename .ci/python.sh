#!/usr/bin/env bash
# The Python package: builds it (the `ci` profile) in a virtual environment and runs its pytest suite.
# Called at the end of .ci/run; runs alone too: `bash .ci/python.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=python/.venv
PY=${PYTHON:-python3}

echo "== python: virtual environment ($VENV) [${SECONDS}s in this script]"
if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PY" -m venv "$VENV"; then
        # Debian's python3 ships venv and the headers separately.
        rm -rf "$VENV"
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            python3-venv python3-dev >/dev/null
        "$PY" -m venv "$VENV"
    fi
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "maturin>=1.5,<2" numpy scipy "pylops==2.8.0" pytest
"$VENV/bin/python" --version

echo "== python: build (maturin develop --profile ci) [${SECONDS}s in this script]"
# maturin installs the package into the active virtual environment. CI builds the `ci` profile of
# python/Cargo.toml (unoptimised): the same operations in the same order as the release build, so
# the same bits, in about 2 minutes instead of the release build's 6.4 (20 before 2026-12-02, see
# python/Cargo.toml); the suite then runs in about 35 s
# instead of 8. Users build with `--release` (python/README.md).
(
    export VIRTUAL_ENV="$PWD/$VENV"
    export PATH="$VIRTUAL_ENV/bin:$PATH"
    cd python
    maturin develop --profile ci --quiet
)

echo "== python: tests [${SECONDS}s in this script]"
set +e
(cd python && "../$VENV/bin/python" -m pytest -q -p no:cacheprovider tests)
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "python: pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
