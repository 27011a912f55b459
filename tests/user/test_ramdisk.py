"""A RAM-disk root: the boot loader's initrd (here QEMU's -initrd) holds a
bare Rivet file system and no disk is attached at all. The kernel offers
the initrd as ram0, chooses it as root because no disk has a Rivet root
partition (or because root=ram0 says so), and the system works from it:
the shell runs programs, files can be written and read back."""
import argparse
import shutil
import os

import rivet_system
from rivet_qemu import Qemu, run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--expect-reason", default=r"initrd; no Rivet root partition on any disk")
args = p.parse_args()


def main():
    # The initrd is a private copy: the kernel writes to it in RAM only, but
    # QEMU reads the file while it runs.
    os.makedirs(args.workdir, exist_ok=True)
    initrd = os.path.join(args.workdir, "initrd.img")
    shutil.copyfile(args.image, initrd)
    args.initrd = initrd
    with Qemu(rivet_system.qemu_command(args, None), log_path=args.log, deadline=300) as q:
        q.expect(r"rivet: disk ram0: initrd at 0x[0-9a-f]+, \d+ KiB", timeout=120)
        q.expect(r"rivet: root is ram0 \(%s\)" % args.expect_reason, timeout=30)
        q.expect(r"fs: mounted ram0", timeout=30)
        q.expect(rivet_system.PROMPT, timeout=120)
        out = rivet_system.run(q, "echo written in RAM > /tmp/r; cat /tmp/r")
        assert out == "written in RAM\n", repr(out)
        out = rivet_system.run(q, "ls /bin | wc")
        assert int(out.split()[0]) >= 20, "too few programs in /bin: %r" % out
        assert "swap area" not in q.output, "a RAM disk must not be used as swap"
        rivet_system.power_off(q)


run_test(main)
