#!/usr/bin/env bash
# Builds Rivet if needed, boots it twice under QEMU `virt` (1 hart, 512 MiB;
# plain TCG for times, -icount shift=0 for instruction counts), runs
# the `bench` program in each and prints a table of what the basic
# operations cost. Raw lines and the table also go to
# build/bench/results-DATE.txt.
#   tools/bench.sh                     everything, 7 rounds per figure
#   tools/bench.sh --rounds 3          fewer rounds
#   tools/bench.sh getpid pipe_rtt     only these benchmarks (bench -l lists them)
#   tools/bench.sh --mode icount       only one of the two runs (tcg, icount)
#   tools/bench.sh --sd                SD-card throughput on QEMU sifive_u instead
#                                      (root on the card behind the SPI controller)
# The kernel measured is build/target/kernel/bench/Image: the same sources
# as the Image the tests boot, built with RIVET_LOCK_CHECKS=0 (no lock-rank
# bookkeeping), so the figures are what a lock costs without the checks.
# Exit status 1 if bench crashed or did not finish; times never fail it.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n '2,16p' "$0"; exit 0 ;; esac
tools/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
cmake --build build/target --target bench_kernel_image
if [ "${1:-}" = "--sd" ]; then
  shift
  exec python3 tools/bench/sd_bench.py --build build "$@"
fi
exec python3 tools/bench/run_bench.py --build build "$@"
