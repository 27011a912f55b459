"""init recovers when /dev/console is not the console device: after
`rm /dev/console; mkdir /dev/console` and a reboot, init removes the
directory, makes the device node again, says so, and starts a shell; when the
name cannot be freed (a directory with a file in it) init uses a node of its
own (/.console), says so, and the shell still comes up. The kernel used to
panic at every such boot ("init exited")."""
import argparse

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
args = p.parse_args()


def reboot(q):
    q.send("reboot\r")
    q.expect(r"rivet: rebooting")
    # -no-reboot: QEMU exits instead of restarting the machine.
    assert q.wait_exit(timeout=60) == 0


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk, log_path=args.log + ".1") as q:
        rivet_system.run(q, "rm /dev/console; mkdir /dev/console")
        reboot(q)
    with rivet_system.boot(args, disk, log_path=args.log + ".2") as q:
        assert "init: /dev/console was not the console device; made it again" in q.output, q.output
        assert "panic" not in q.output
        out = rivet_system.run(q, "echo console works")
        assert out == "console works\n", repr(out)
        # Now a directory that cannot simply be removed.
        rivet_system.run(q, "rm /dev/console; mkdir /dev/console; echo x > /dev/console/keep")
        reboot(q)
    with rivet_system.boot(args, disk, log_path=args.log + ".3") as q:
        assert "using /.console" in q.output, q.output
        assert "panic" not in q.output
        out = rivet_system.run(q, "cat /dev/console/keep")
        assert out == "x\n", repr(out)
        rivet_system.power_off(q)


run_test(main)
