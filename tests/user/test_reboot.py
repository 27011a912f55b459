"""Files written before a clean power-off are there after the next boot from
the same disk image: write, `poweroff` (which syncs the file system), boot
again, read back and compare; then `reboot` from the shell restarts the
machine (QEMU with -no-reboot exits) and the files are still there."""
import argparse

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
args = p.parse_args()


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk, log_path=args.log + ".1") as q:
        rivet_system.run(q, "mkdir /keep")
        rivet_system.run(q, "echo first line > /keep/a; echo second line >> /keep/a")
        rivet_system.run(q, "cp /bin/cat /keep/cat-copy")
        rivet_system.run(q, "ls /bin > /keep/listing")
        rivet_system.power_off(q)
    with rivet_system.boot(args, disk, log_path=args.log + ".2") as q:
        out = rivet_system.run(q, "cat /keep/a")
        assert out == "first line\nsecond line\n", repr(out)
        out = rivet_system.run(q, "/keep/cat-copy /keep/a")
        assert out == "first line\nsecond line\n", "the copied program does not work: %r" % out
        listing = rivet_system.run(q, "cat /keep/listing")
        assert "sh" in listing.split() and "usertests" in listing.split(), listing
        rivet_system.run(q, "echo after reboot >> /keep/a")
        q.send("reboot\r")
        q.expect(r"rivet: rebooting")
        # -no-reboot: QEMU exits instead of restarting the machine.
        assert q.wait_exit(timeout=60) == 0
    with rivet_system.boot(args, disk, log_path=args.log + ".3") as q:
        out = rivet_system.run(q, "cat /keep/a")
        assert out.endswith("after reboot\n"), repr(out)
        rivet_system.power_off(q)


run_test(main)
