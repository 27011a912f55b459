"""Runs a whole test program (usertests, or vmtests with a list of tests) in
one boot and passes if its summary says nothing failed. Used where booting
once per test would cost too much: the QEMU sifive_u runs, whose root file
system and swap area are on the SD card behind the SPI controller, so every
test there also exercises the SPI and SD drivers.

Each test inside the program checks the free-page count before and after
itself, as in the per-test runs; `--min-passed` guards against a summary
that passes because the program ran too few tests."""
import argparse
import re

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--program", required=True, choices=["usertests", "vmtests"])
p.add_argument("--tests", nargs="*", default=[])
p.add_argument("--min-passed", type=int, default=1)
p.add_argument("--ordinary-only", action="store_true", help="vmtests -s: skip the swap and small-machine tests")
p.add_argument("--swap-percent", type=int, default=0, help="vmtests -pPERCENT: how much of memory the swap tests touch")
p.add_argument("--timeout", type=float, default=900)
args = p.parse_args()


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk, deadline=args.timeout + 180) as q:
        options = ["-p%d" % args.swap_percent] if args.swap_percent else []
        if args.ordinary_only:
            options.append("-s")
        q.send(" ".join([args.program] + options + args.tests) + "\r")
        m = q.expect(r"%s: (\d+) passed, (\d+) failed" % args.program, timeout=args.timeout)
        failed = re.findall(r"%s: (\S+): FAIL(.*)" % args.program, q.output)
        assert m.group(2) == "0" and not failed, "failed: %s" % failed
        assert int(m.group(1)) >= args.min_passed, "only %s tests ran" % m.group(1)
        assert "skipped" not in q.output, "a test was skipped (no swap?)"
        q.expect(rivet_system.PROMPT, timeout=60)
        assert "PANIC" not in q.output, "the kernel panicked"
        rivet_system.power_off(q)


run_test(main)
