"""Runs user/tests/sysfuzz.c, the seeded system-call fuzzer, on a freshly
booted Rivet: forked workers make random raw system calls on every hart,
and once all are reaped the free-page count must be back where it was (see
the program's header for what is left out and the tolerance). Any kernel
panic, a stuck worker, a leak, a hang or QEMU dying fails the test.

--seed, --workers, --calls, --parallel are sysfuzz's -s -w -c -p; --smp and
--mem the machine's; --append the kernel command line (page_poison makes
the kernel check freed pages for stores). The environment variable
RIVET_FUZZ_SCALE multiplies the number of workers (a long run:
RIVET_FUZZ_SCALE=50 ctest -R sysfuzz); RIVET_FUZZ_SEED replaces the seed.
"""
import argparse
import os
import re

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--seed", type=int, required=True)
p.add_argument("--workers", type=int, default=16)
p.add_argument("--calls", type=int, default=300)
p.add_argument("--parallel", type=int, default=4)
p.add_argument("--timeout", type=float, default=240, help="seconds for the whole run, before scaling")
args = p.parse_args()


def main():
    scale = max(1, int(os.environ.get("RIVET_FUZZ_SCALE", "1")))
    seed = int(os.environ.get("RIVET_FUZZ_SEED", args.seed))
    workers = args.workers * scale
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk, deadline=args.timeout * scale + 300) as q:
        command = "sysfuzz -s %d -w %d -c %d -p %d" % (seed, workers, args.calls, args.parallel)
        q.send(command + "\r")
        q.expect(r"sysfuzz: seed %d" % seed, timeout=60)
        m = q.expect(r"sysfuzz: (ok.*|FAIL.*)\n", timeout=args.timeout * scale)
        verdict = m.group(1)
        stats = re.search(r"sysfuzz: \d+ calls in .*\n", q.output)
        if stats:
            print(stats.group(0).strip())
        assert "PANIC" not in q.output, "the kernel panicked"
        assert verdict.startswith("ok"), "sysfuzz: " + verdict
        q.expect(rivet_system.PROMPT, timeout=60)
        rivet_system.power_off(q)


run_test(main)
