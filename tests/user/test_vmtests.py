"""Runs one test of user/tests/vmtests.c on a freshly booted Rivet and turns
its verdict line into this CTest test's result.

vmtests forks the test into a child, compares the system's free-page count
before and after (a leak fails the test), and prints `vmtests: NAME: ok`,
`vmtests: NAME: ok (skipped: no swap)` or `vmtests: NAME: FAIL <reason>`.
Anything else — a kernel panic, a hang, QEMU dying — fails the test too. A
skipped test exits with status 77, which vm.cmake tells CTest means skipped.

--mem sets the machine's memory (the swap tests use 64M); --smp its harts;
--console REGEX, something the kernel must have said on the console.
"""
import argparse
import re
import sys

import rivet_system
from rivet_qemu import run_test

SKIPPED = 77

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)  # --mem, --smp among them
p.add_argument("--test", required=True)
p.add_argument("--timeout", type=float, default=240)
p.add_argument("--console", action="append", default=[],
               help="a regular expression the kernel's console output must match (repeatable)")
args = p.parse_args()
skipped = []


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk) as q:
        q.send("vmtests %s\r" % args.test)
        # A name vmtests does not know (a stale build) fails at once.
        m = q.expect(r"vmtests: (?:%s: (ok.*|FAIL.*)|(no test named .*))\n" % re.escape(args.test),
                     timeout=args.timeout)
        assert not m.group(2), "vmtests: " + m.group(2)
        verdict = m.group(1)
        assert verdict.startswith("ok"), "vmtests %s: %s" % (args.test, verdict)
        if "skipped" in verdict:
            skipped.append(verdict)
        q.expect(r"vmtests: 1 passed, 0 failed", timeout=60)
        q.expect(rivet_system.PROMPT, timeout=60)
        assert "PANIC" not in q.output, "the kernel panicked"
        for pattern in args.console:
            assert re.search(pattern, q.output), "the console never said /%s/" % pattern
        rivet_system.power_off(q)


try:
    run_test(main)
except SystemExit as e:
    if e.code == 0 and skipped:
        print("SKIPPED:", skipped[0])
        sys.exit(SKIPPED)
    raise
