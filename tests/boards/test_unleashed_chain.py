"""The whole HiFive Unleashed boot chain on QEMU `sifive_u,msel=11`, from a
private copy of boards/hifive-unleashed/sd.img:

  boot ROM (MSEL 1011) -> U-Boot SPL (QEMU's -bios is the image's SPL) ->
  U-Boot FIT image from sector 2082 of the card -> U-Boot distro boot ->
  extlinux.conf on the bootable FAT partition -> /Image -> Rivet

QEMU 7.2 needs a nudge for U-Boot to read the card on its first try
(tests/harness/make-sifive-nudge.sh explains it): a boot script in the
emulated SPI flash. That is test harness, not image: the card image booted
here is the one flash.sh writes.

--goal kernel   (test boards.unleashed.kernel) asserts what holds today:
                every stage up to the Rivet banner, the kernel's rivet:
                lines for this machine (SiFive UART console, four U54 harts
                online), a kernel prompt (the monitor, or the shell once the
                kernel drives the SD card), and that the device tree U-Boot
                handed the kernel describes the card's SPI controller
                (read from guest memory through QEMU's monitor, decoded with
                fdtget).
--goal sd-root  (test boards.unleashed.sd_root, DISABLED until the kernel's
                SPI SD driver is merged; label needs-sd-driver) the real
                goal: the root file system and swap on the SD card, the
                shell, a file written before `reboot` still there after the
                second boot through the whole chain.

Each stage prints how far the boot got and when, so a failure says where the
chain stopped.
"""
import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time

from rivet_qemu import Qemu, run_test

# Generous limits: everything runs under TCG on a small, possibly busy
# machine; they bound a hang, they are not performance assertions.
STAGE_TIMEOUT = 120.0
BOOT_DEADLINE = 600.0
SPL_PATH = "usr/lib/u-boot/sifive_unleashed/u-boot-spl.bin"


class Stages:
    def __init__(self, q):
        self.q = q
        self.start = time.monotonic()
        self.done = 0

    def expect(self, name, pattern, timeout=STAGE_TIMEOUT):
        print("stage: waiting for %s ..." % name, flush=True)
        m = self.q.expect(pattern, timeout=timeout)
        self.mark(name)
        return m

    def mark(self, name):
        self.done += 1
        print("stage %d reached: %s (%.1f s)" % (self.done, name, time.monotonic() - self.start),
              flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qemu", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--goal", choices=("kernel", "sd-root"), required=True)
    p.add_argument("--image", required=True, help="boards/hifive-unleashed/sd.img")
    p.add_argument("--firmware", required=True, help="<build>/firmware (for the SPL)")
    p.add_argument("--nudge", required=True, help="tests/harness/make-sifive-nudge.sh")
    p.add_argument("--workdir", required=True)
    return p.parse_args()


def qemu_command(args, disk, flash, monitor):
    spl = os.path.join(args.firmware, "u-boot-sifive", SPL_PATH)
    return [args.qemu, "-M", "sifive_u,msel=11", "-smp", "5", "-m", "8G", "-nographic",
            "-bios", spl,
            "-drive", "file=%s,if=sd,format=raw" % disk,
            "-drive", "file=%s,if=mtd,format=raw" % flash,
            "-monitor", "unix:%s,server=on,wait=off" % monitor]


def boot_to_kernel(stages, boot_number):
    """From power-on to the kernel's banner; returns the banner's match."""
    tag = " (boot %d)" % boot_number
    stages.expect("U-Boot SPL" + tag, r"U-Boot SPL 20\d\d\.\d\d")
    stages.expect("U-Boot proper, loaded by the SPL from the card" + tag, r"U-Boot 20\d\d\.\d\d")
    stages.expect("U-Boot sees the card behind SPI" + tag, r"MMC:\s+spi@10050000:mmc@0")
    stages.expect("distro boot finds the bootable FAT partition 3" + tag,
                  r"Scanning mmc 0:3\.\.\.")
    stages.expect("extlinux.conf read" + tag, r"Retrieving file: /extlinux/extlinux\.conf")
    stages.expect("the default entry chosen after the menu timeout" + tag,
                  r"Enter choice: 1:\s+Rivet, root file system on the SD card")
    stages.expect("/Image loaded" + tag, r"Retrieving file: /Image")
    stages.expect("booti starts the kernel" + tag, r"Starting kernel")
    return stages.expect("the Rivet banner" + tag,
                         r"Rivet \S+ \(riscv64, S-mode\) booting on hart ([1-4])\b")


def hmp(monitor, command, timeout=30.0):
    """Runs one QEMU monitor command over its unix socket."""
    end = time.monotonic() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(monitor)
            break
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise AssertionError("cannot connect to QEMU's monitor at %s" % monitor)
            time.sleep(0.2)
    s.settimeout(timeout)
    try:
        out = b""
        while b"(qemu)" not in out:
            out += s.recv(4096)
        s.sendall(command.encode() + b"\n")
        out = b""
        while out.count(b"(qemu)") < 1:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
        return out.decode(errors="replace")
    finally:
        s.close()


def fdtget(dtb, *args):
    done = subprocess.run(["fdtget"] + list(args[:-2]) + [dtb] + list(args[-2:]),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return done.returncode, done.stdout.strip()


def check_tree_describes_sd(args, monitor, address, size):
    """Dumps the device tree the kernel reported using and checks its SD
    card: an SPI controller at 0x10050000 with an mmc-spi-slot child."""
    dtb = os.path.join(args.workdir, "handed-over.dtb")
    if os.path.exists(dtb):
        os.unlink(dtb)
    # Quoted: unquoted, the monitor's expression parser reads "16352 /path"
    # as a division.
    reply = hmp(monitor, 'pmemsave %#x %d "%s"' % (address, size, dtb))
    deadline = time.monotonic() + 30
    while (not os.path.exists(dtb) or os.path.getsize(dtb) < size) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not os.path.exists(dtb) or os.path.getsize(dtb) != size:
        raise AssertionError("QEMU's pmemsave did not write the %d-byte device tree; "
                             "the monitor said %r" % (size, reply[-300:]))
    status, compatible = fdtget(dtb, "/soc/spi@10050000", "compatible")
    if status != 0 or "sifive,spi0" not in compatible.split():
        raise AssertionError("the device tree handed to the kernel has no sifive,spi0 at "
                             "/soc/spi@10050000 (fdtget: %s)" % compatible)
    status, slot = fdtget(dtb, "/soc/spi@10050000/mmc@0", "compatible")
    if status != 0 or slot != "mmc-spi-slot":
        raise AssertionError("no mmc-spi-slot under spi@10050000 (fdtget: %s)" % slot)
    status, bootargs = fdtget(dtb, "/chosen", "bootargs")
    print("device tree handed to the kernel: spi@10050000 (%s) with mmc@0 (%s); "
          "bootargs %r" % (compatible, slot, bootargs), flush=True)


def goal_kernel(args, q, stages, monitor):
    banner = boot_to_kernel(stages, 1)
    hart = int(banner.group(1))
    stages.expect("the kernel reads U-Boot's tree (HiFive Unleashed)",
                  r'rivet: machine "SiFive HiFive Unleashed A00" \(sifive,hifive-unleashed-a00\)')
    tree = stages.expect("the kernel reports the device tree it was given",
                         r"device tree at (0x[0-9a-f]+), (\d+) bytes\n")
    stages.expect("the extlinux append line reaches the kernel",
                  r'rivet: command line "console=ttySIF0[^"]*"')
    stages.expect("the console on the SiFive UART",
                  r"rivet: console sifive,uart0 at 0x10010000 \(irq \d+\)")
    stages.expect("the boot hart %d starts the other U54 harts" % hart, r"rivet: all 4 harts online")
    stages.expect("a kernel prompt (the monitor today; the shell once the SD driver is in)",
                  r"rivet> |\$ ")
    check_tree_describes_sd(args, monitor, int(tree.group(1), 16), int(tree.group(2)))


def shell(q, command, expect, timeout=STAGE_TIMEOUT):
    q.send(command + "\r", char_delay=0.02)
    return q.expect(expect, timeout=timeout)


def goal_sd_root(args, q, stages, monitor):
    token = "rivet-sd-%08x" % random.getrandbits(32)
    for boot_number in (1, 2):
        boot_to_kernel(stages, boot_number)
        # Either line ends the wait: a kernel without an SD driver says at
        # once that it found no root, and the test says so too.
        # Whole lines only: a pattern that may end where the output does
        # would match a line still being printed ("is m").
        root = stages.q.expect(r"rivet: (root file system is (\S+) \([^\n]*\n|no root file system[^\n]*\n)",
                               timeout=STAGE_TIMEOUT)
        if root.group(2) is None:
            raise AssertionError("the kernel found no root file system on the SD card (%r); "
                                 "is the SPI SD driver in?" % root.group(1))
        if root.group(2).startswith("ram") or root.group(2).startswith("vd"):
            raise AssertionError("root file system is %s, not the SD card" % root.group(2))
        stages.mark("root file system found on the SD card: %s (boot %d)"
                    % (root.group(2), boot_number))
        # The card's partitions 4 and 5 (boards/hifive-unleashed/README.md).
        where = root.group(0)  # the whole line, so nothing of it is still on its way
        if "(64 MiB at sector 147456)" not in where:
            raise AssertionError("the root file system is not partition 4 of the card: %r"
                                 % where.splitlines()[0])
        stages.expect("swap on the SD card's partition 5 (boot %d)" % boot_number,
                      r"rivet: swap area is \S+ \(256 MiB at sector 278528\)")
        stages.expect("the shell (boot %d)" % boot_number, r"init: starting /bin/sh[\s\S]*?\$ ")
        if boot_number == 1:
            shell(q, "echo %s > /sd-persist.txt" % token, r"\$ ")
            shell(q, "cat /sd-persist.txt", r"\n" + re.escape(token) + r"\s*\n[\s\S]*?\$ ")
            stages.mark("a file written on the SD root")
            # reboot flushes the file system; the machine then resets into
            # the boot ROM, and the next round expects the SPL again.
            q.send("reboot\r", char_delay=0.02)
            stages.expect("reboot: the kernel restarts the machine", r"rivet: rebooting")
        else:
            shell(q, "cat /sd-persist.txt", r"\n" + re.escape(token) + r"\s*\n")
            stages.mark("the file written before reboot is still there")


def main():
    args = parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    if not os.path.isfile(args.image):
        raise AssertionError("%s does not exist (build the image-hifive-unleashed target)" % args.image)
    for tool in ("fdtget", "mkimage"):
        if not shutil.which(tool):
            raise AssertionError("%s not found (tools/setup.sh installs it)" % tool)
    size = os.path.getsize(args.image)
    if size & (size - 1):
        raise AssertionError("the image is %d bytes; QEMU's SD card needs a power of two" % size)
    disk = os.path.join(args.workdir, "sd.img")
    subprocess.run(["cp", "--sparse=always", args.image, disk], check=True)
    flash = os.path.join(args.workdir, "nudge-flash.img")
    subprocess.run([args.nudge, flash], check=True)
    monitor = os.path.join(args.workdir, "monitor.sock")

    with Qemu(qemu_command(args, disk, flash, monitor), log_path=args.log,
              deadline=BOOT_DEADLINE) as q:
        stages = Stages(q)
        try:
            (goal_kernel if args.goal == "kernel" else goal_sd_root)(args, q, stages, monitor)
        finally:
            print("reached %d stage(s); console transcript in %s" % (stages.done, args.log),
                  flush=True)
    shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    run_test(main)
