#!/usr/bin/env bash
# The Python package: builds it (release) in a virtual environment and runs its pytest suite.
# Called at the end of .ci/run; runs alone too: `bash .ci/python.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=python/.venv
PY=${PYTHON:-python3}

echo "== python: virtual environment ($VENV)"
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

echo "== python: build (maturin develop --release)"
# maturin installs the package into the active virtual environment.
(
    export VIRTUAL_ENV="$PWD/$VENV"
    export PATH="$VIRTUAL_ENV/bin:$PATH"
    cd python
    maturin develop --release --quiet
)

echo "== python: tests"
set +e
(cd python && "../$VENV/bin/python" -m pytest -q -p no:cacheprovider tests)
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "python: pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
