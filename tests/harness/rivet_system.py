"""Booting the whole system (kernel + root file system) for user-space tests.

The kernel is handed to OpenSBI directly (-kernel, the fast path; the U-Boot
path is covered by tests/boot/test_uboot.py) and the disk is a private copy
of an SD-card image: on QEMU virt a virtio-mmio block device, on QEMU
sifive_u (HiFive Unleashed) the SD card behind the SPI controller, which
Rivet reaches through its SiFive SPI and SD-over-SPI drivers. An initrd
(--initrd) is passed as the boot loader would, for the RAM-disk root.
"""
import argparse
import contextlib
import os
import re
import shutil
import subprocess

from rivet_qemu import Qemu

PROMPT = r"\$ "
# The whole prompt at the start of a line: the shell shows its current
# directory before the "$ " ("/ $ ", "/tmp $ "; "." if it cannot tell).
PROMPT_LINE = r"^[/.]\S* \$ "


def add_arguments(parser):
    parser.add_argument("--qemu", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fw", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--image", required=True, help="the SD-card image to copy")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--smp", type=int, default=2)
    parser.add_argument("--mem", default="256M")
    parser.add_argument("--machine", default="virt", choices=["virt", "sifive_u"])
    parser.add_argument("--initrd", default=None, help="a file for -initrd")
    parser.add_argument("--append", default=None, help="the kernel command line")


def fresh_disk(args, name="disk.img"):
    """A private, sparse copy of the SD image for one test."""
    os.makedirs(args.workdir, exist_ok=True)
    disk = os.path.join(args.workdir, name)
    subprocess.run(["cp", "--sparse=always", args.image, disk], check=True)
    return disk


def qemu_command(args, disk, smp=None, mem=None):
    machine = getattr(args, "machine", "virt")
    if machine == "sifive_u":
        # Hart 0 is the MMU-less E51; -smp 5 gives the four U54s as well.
        cmd = [args.qemu, "-M", "sifive_u", "-smp", "5", "-m", mem or args.mem,
               "-nographic", "-no-reboot", "-bios", args.fw, "-kernel", args.kernel]
        if disk:
            cmd += ["-drive", "file=%s,format=raw,if=sd" % disk]
    else:
        cmd = [args.qemu, "-M", "virt", "-smp", str(smp or args.smp), "-m", mem or args.mem,
               "-nographic", "-no-reboot", "-bios", args.fw, "-kernel", args.kernel]
        if disk:
            cmd += ["-drive", "file=%s,format=raw,if=none,id=root" % disk,
                    "-device", "virtio-blk-device,drive=root"]
    if getattr(args, "initrd", None):
        cmd += ["-initrd", args.initrd]
    if getattr(args, "append", None):
        cmd += ["-append", args.append]
    return cmd


@contextlib.contextmanager
def boot(args, disk, log_path=None, deadline=600, smp=None, mem=None):
    """Starts QEMU, waits for the shell prompt and yields the session; QEMU is
    killed by its PID when the block ends, however it ends."""
    with Qemu(qemu_command(args, disk, smp, mem), log_path=log_path or args.log,
              deadline=deadline) as q:
        q.expect(r"init: starting /bin/sh", timeout=120)
        q.expect(PROMPT, timeout=60)
        yield q


def run(q, command, timeout=120):
    """Types a shell command and returns its output (between the echo and the
    next prompt)."""
    q.send(command + "\r")
    q.expect(re.escape(command) + r"\n", timeout=30)
    start = q.cursor
    m = q.expect(PROMPT_LINE, timeout=timeout)
    return q.output[start:m.start()]


def power_off(q, timeout=60):
    q.send("poweroff\r")
    q.expect(r"rivet: powering off", timeout=timeout)
    # OpenSBI on sifive_u has no shutdown (SRST answers "not supported"):
    # the kernel then says so and halts; the file system is already synced.
    if "sifive_u" in " ".join(q.args):
        q.expect(r"rivet: firmware refused shutdown .*; halting this hart", timeout=timeout)
        return
    status = q.wait_exit(timeout=timeout)
    assert status == 0, "QEMU exited with status %s after poweroff" % status
