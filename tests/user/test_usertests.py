"""Runs one test of user/tests/usertests.c on a freshly booted Rivet and
turns its verdict line into this CTest test's result.

usertests forks the test into a child, compares the system's free-page count
before and after (a leak fails the test), and prints
`usertests: NAME: ok` or `usertests: NAME: FAIL <reason>`. Anything else —
a kernel panic, a hang, QEMU dying — fails the test too.
"""
import argparse
import re

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--test", required=True)
p.add_argument("--timeout", type=float, default=240)
args = p.parse_args()


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk) as q:
        q.send("usertests %s\r" % args.test)
        m = q.expect(r"usertests: %s: (ok|FAIL.*)\n" % re.escape(args.test), timeout=args.timeout)
        assert m.group(1) == "ok", "usertests %s: %s" % (args.test, m.group(1))
        q.expect(r"usertests: 1 passed, 0 failed", timeout=60)
        q.expect(rivet_system.PROMPT, timeout=60)
        assert "PANIC" not in q.output, "the kernel panicked"
        # Unknown system calls are logged with a rate limit (badsyscall_flood
        # makes 2,000 of them).
        unknown = q.output.count("unknown system call")
        assert unknown <= 20, "%d kernel lines about unknown system calls" % unknown
        rivet_system.power_off(q)


run_test(main)
