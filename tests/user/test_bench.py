"""The benchmark program runs: `bench -r 1` (one warm-up and one measured
round of every figure) on a booted Rivet, QEMU virt with one hart and
512 MiB as tools/bench.sh uses. Every key `bench -l` lists prints its line
(n/a only for swap-in without swap), the figures that may touch the disk
print their per-operation disk line (KEY.io), the file figures their
per-MiB line (KEY.disk), no reader's checksum is wrong, and bench ends with
"bench: done". No figure is judged: that is tools/bench.sh's business.
"""
import argparse
import re

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
args = p.parse_args()

# The figures that also report their disk traffic per operation.
IO_KEYS = {"fork_16m", "fork_64m", "fork_exec", "write_1m", "read_1m", "read_8m", "mmap_8m",
           "read_8m_cached", "mmap_8m_cached", "swap_in"}
FILE_KEYS = {"write_1m", "read_1m", "read_8m", "mmap_8m", "read_8m_cached", "mmap_8m_cached"}
IO_LINE = (r"read_requests=\d+\.\d\d read_kib=\d+\.\d\d write_requests=\d+\.\d\d write_kib=\d+\.\d\d "
           r"flushes=\d+\.\d\d unit=.+ rounds=1 ops=\d+")


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk, smp=1, mem="512M") as q:
        keys = rivet_system.run(q, "bench -l").split()
        assert FILE_KEYS <= set(keys) and IO_KEYS <= set(keys), "bench -l listed %s" % keys
        out = rivet_system.run(q, "bench -r 1", timeout=480)
        print(out, flush=True)
        assert re.search(r"^bench: done$", out, re.MULTILINE), "bench did not finish:\n%s" % out
        assert "warning" not in out, out
        problems = []
        for key in keys:
            line = re.search(r"^bench: %s (.*)$" % re.escape(key), out, re.MULTILINE)
            if not line:
                problems.append("no line for %s" % key)
                continue
            if line.group(1).startswith("n/a"):
                if not (key == "swap_in" and line.group(1) == "n/a (no swap)"):
                    problems.append("%s: %s" % (key, line.group(1)))
                continue
            if not re.match(r"instret_median=\d+ .* rounds=1 ops=\d+$", line.group(1)):
                problems.append("%s: malformed line %r" % (key, line.group(1)))
            if key in IO_KEYS and not re.search(r"^bench: %s\.io %s$" % (key, IO_LINE), out, re.MULTILINE):
                problems.append("%s: no or malformed %s.io line" % (key, key))
            if key in FILE_KEYS and not re.search(
                    r"^bench: %s\.disk requests_per_mib=\d+\.\d\d disk_mib_per_mib=\d+\.\d\d$" % key, out,
                    re.MULTILINE):
                problems.append("%s: no or malformed %s.disk line" % (key, key))
        assert not problems, "\n".join(problems)
        rivet_system.power_off(q)


run_test(main)
