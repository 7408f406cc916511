#!/usr/bin/env bash
# Scaling of every perf_report row from 1 thread to this machine's core count.
#
# Builds perf_report once, then runs it at 1, 2, 4, ... threads (and the core count itself), each on
# its own rayon pool in one process, and prints each run's table and a scaling table: per row, the
# speed-up over 1 thread and the fraction of the plain and of the streaming copy at that thread count.
#
#   bash benches/scaling.sh                          # 256^3, every case
#   bash benches/scaling.sh --shape 512x512x512      # arrays larger than the last-level cache
#   bash benches/scaling.sh --quick --reps 5         # any other perf_report flags pass through
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example perf_report
cores=$(nproc)
list=""
t=1
while [ "$t" -lt "$cores" ]; do
    list="$list$t,"
    t=$((t * 2))
done
list="$list$cores"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $cores cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
exec target/release/examples/perf_report --threads "$list" "$@"
