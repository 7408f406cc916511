#!/usr/bin/env bash
# MPI part of CI: installs Open MPI and libclang (the `mpi` crate generates its bindings with bindgen),
# runs the MPI tests (they relaunch themselves under mpirun -n 1..4, oversubscribed) and the Poisson
# example on 4 ranks. Called from .ci/run; runs alone too: `bash .ci/mpi.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL=0

echo "== mpi: install Open MPI and libclang [${SECONDS}s in this script]"
if ! command -v mpirun >/dev/null 2>&1 || ! command -v mpicc >/dev/null 2>&1 \
    || ! ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        libopenmpi-dev openmpi-bin libclang-dev clang pkg-config >/dev/null
fi
mpirun --version | head -1

# Open MPI refuses root without these, and more ranks than cores without oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Ranks waiting in MPI yield the core to the ranks computing (2-core machines, 4 ranks).
export OMPI_MCA_mpi_yield_when_idle=1

echo "== mpi: clippy [${SECONDS}s in this script]"
cargo clippy -p rylops-mpi --all-targets --features mpi -- -D warnings
cargo clippy -p rylops --features mpi --example mpi_poisson -- -D warnings

echo "== mpi: tests (mpirun -n 1, 2, 3, 4) [${SECONDS}s in this script]"
cargo test -p rylops-mpi --features mpi

echo "== mpi: example mpi_poisson on 4 ranks [${SECONDS}s in this script]"
# Built in the test profile, whose dependencies the tests above already compiled (a release build
# would compile everything again, for a problem this small).
cargo build --profile test --features mpi --example mpi_poisson
RAYON_NUM_THREADS=1 mpirun -n 4 --oversubscribe target/debug/examples/mpi_poisson 24 1e-8
echo "== mpi: mpi_poisson on 4 ranks with streaming stores on every output [${SECONDS}s in this script]"
RYLOPS_STREAMING_STORES=always RAYON_NUM_THREADS=1 mpirun -n 4 --oversubscribe target/debug/examples/mpi_poisson 24 1e-8
