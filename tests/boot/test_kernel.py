"""Boots the kernel directly under OpenSBI (fw_jump, as QEMU's -bios) and
checks it through the serial console.

Modes, each a CTest test (see kernel.cmake):
  boot    every hart reports in, the banner names what the device tree says,
          the in-kernel self-test passes (each hart's timer ticks, IPIs reach
          every hart, remote TLB shootdown works, the page allocator returns
          every page) and `poweroff` makes QEMU exit by itself with status 0.
  echo    the console echoes typed characters, and backspace and Ctrl-U
          edit the line before the kernel acts on it.
  fault   a kernel page fault yields a report with the cause by name, sepc,
          stval, registers and a backtrace, then the machine powers off.
  repeat  several boots in a row on 4 harts; each must bring every hart up,
          whichever hart OpenSBI picked to boot. Prints the boot harts seen.
  badtree a device tree without memory makes the kernel refuse to boot
          with a clear message and power off, not crash.
  sharedirq  a disk whose tree entry names the console's interrupt is
          refused (EBUSY) and the console keeps its input.
  badstorage  initrd bounds outside RAM and device registers inside RAM are
          refused with a message; the kernel reaches its monitor.
  capped  more harts than the kernel runs (--smp above kMaxHarts, --harts
          the limit): the kernel says "rivet: using N of M harts" and brings
          exactly N online, whichever hart boots (also one past the limit).
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile

from rivet_qemu import Qemu, run_test

p = argparse.ArgumentParser()
p.add_argument("--qemu", required=True)
p.add_argument("--log", required=True)
p.add_argument("--fw", required=True)
p.add_argument("--kernel", required=True)
p.add_argument("--machine", default="virt")
p.add_argument("--smp", type=int, default=1)
p.add_argument("--mem", default="128M")
p.add_argument("--harts", type=int, help="harts Rivet should use (default: --smp)")
p.add_argument("--mode", default="boot")
p.add_argument("--boots", type=int, default=4)
p.add_argument("--exit-by", default="poweroff", help="poweroff, or reboot where SRST cannot power off")
args = p.parse_args()
harts = args.harts or args.smp


def qemu_cmd(extra=()):
    cmd = [args.qemu, "-M", args.machine, "-smp", str(args.smp), "-m", args.mem,
           "-nographic", "-bios", args.fw, "-kernel", args.kernel]
    if args.exit_by == "reboot":
        cmd.append("-no-reboot")
    return cmd + list(extra)


def boot(q):
    """Waits for a complete boot; returns the boot hart id."""
    m = q.expect(r"Rivet \S+ \(riscv64, S-mode\) booting on hart (\d+)\n", timeout=60)
    boot_hart = int(m.group(1))
    q.expect(r"rivet: SBI \d+\.\d+, OpenSBI")
    q.expect(r"rivet: memory \d+ MiB at 0x")
    q.expect(r"rivet: console \S+ at 0x")
    q.expect(r"rivet: all %d harts online" % harts, timeout=60)
    q.expect(r"rivet> ")
    return boot_hart


def command(q, text, timeout=30):
    q.send(text + "\r")
    q.expect(re.escape(text))  # the echo
    return q.expect(r"rivet> ", timeout=timeout)


def power_off(q):
    if args.exit_by == "reboot":
        q.send("reboot\r")
        q.expect(r"rivet: rebooting")
    else:
        q.send("poweroff\r")
        q.expect(r"rivet: powering off")
    status = q.wait_exit(timeout=30)
    assert status == 0, "QEMU exited with status %s" % status


def mode_boot():
    with Qemu(qemu_cmd(), log_path=args.log, deadline=240) as q:
        boot(q)
        online = set(int(h) for h in re.findall(r"rivet: hart (\d+) online ", q.output))
        assert len(online) == harts - 1, "expected %d secondary harts, saw %s" % (harts - 1, online)
        start = q.cursor
        command(q, "selftest", timeout=120)
        out = q.output[start:q.cursor]
        assert "selftest: PASS" in out, "self-test failed:\n" + out
        ticked = re.findall(r"selftest: timer: hart (\d+) ticks \+(\d+)\n", out)
        assert len(ticked) == harts and all(int(n) >= 5 for _, n in ticked), ticked
        start = q.cursor
        command(q, "harts")
        rows = re.findall(r"cpu \d+: hart (\d+) online ticks (\d+)", q.output[start:q.cursor])
        assert len(rows) == harts and all(int(t) > 0 for _, t in rows), rows
        power_off(q)


def mode_echo():
    with Qemu(qemu_cmd(), log_path=args.log, deadline=120) as q:
        boot(q)
        q.send("hello console", char_delay=0.02)
        q.expect(r"hello console")
        # Backspace twice, then Ctrl-U wipes the line; the command typed after
        # it must be the only thing the monitor sees.
        q.send("\x7f\x7f", char_delay=0.05)
        q.expect(re.escape("\b \b\b \b"))
        q.send("\x15", char_delay=0.05)
        q.send("uptime\r", char_delay=0.02)
        q.expect(r"up \d+ ms")
        q.expect(r"rivet> ")
        q.send("nonsense\r")
        q.expect(r"unknown command 'nonsense'")
        q.expect(r"rivet> ")
        # help is longer than kprintf's old 320-byte line buffer: it must
        # arrive whole, its last line included.
        start = q.cursor
        command(q, "help")
        out = q.output[start:q.cursor]
        assert "reboot    restart through SBI\n" in out, "help was cut short:\n" + out
        assert len(out) > 320, out
        power_off(q)


def mode_fault():
    with Qemu(qemu_cmd(), log_path=args.log, deadline=120) as q:
        boot(q)
        q.send("fault\r")
        q.expect(r"\*\*\* kernel exception on hart \d+: store page fault \(scause 0xf\)")
        q.expect(r"sepc 0xffffffff8\w+\s+stval 0xffffffffdead0000")
        q.expect(r"ra\s+0x")
        q.expect(r"backtrace:\s+#0 0xffffffff8")
        q.expect(r"\*\*\* PANIC on hart \d+: store page fault in the kernel")
        q.expect(r"rivet: halted after panic")
        q.wait_exit(timeout=30)


def mode_lock_order():
    # The monitor's lockorder command takes a pages-rank lock, then a
    # proc-rank one: the kernel the suite boots checks lock ranks and must
    # panic naming both locks.
    with Qemu(qemu_cmd(), log_path=args.log, deadline=120) as q:
        boot(q)
        q.send("lockorder\r")
        q.expect(r"rivet: taking monitor inner \(rank pages\), then monitor outer \(rank proc\) on purpose")
        q.expect(r"\*\*\* PANIC on hart \d+: lock order: taking spinlock monitor outer \(rank proc\) "
                 r"while holding monitor inner \(rank pages\)")
        q.expect(r"backtrace:\s+#0 0xffffffff8")
        q.expect(r"rivet: halted after panic")
        q.wait_exit(timeout=30)


def mode_repeat():
    seen = []
    for i in range(args.boots):
        with Qemu(qemu_cmd(), log_path="%s.%d" % (args.log, i), deadline=120) as q:
            seen.append(boot(q))
            power_off(q)
    print("boot harts seen:", seen)


def mode_badtree():
    # QEMU and OpenSBI refuse a blob that is not well formed before the
    # kernel ever sees it (the unit tests cover those), so this hands over a
    # well-formed tree without a /memory node: the kernel must say what is
    # missing and power off, not crash.
    tmp = tempfile.mkdtemp()
    try:
        dtb = os.path.join(tmp, "virt.dtb")
        subprocess.run(qemu_cmd(["-machine", "dumpdtb=" + dtb]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb], check=True,
                             capture_output=True, text=True).stdout
        dts, n = re.subn(r"\n\tmemory@[0-9a-f]+ \{.*?\n\t\};", "", dts, flags=re.S)
        assert n == 1, "could not find the memory node in QEMU's tree"
        bad = os.path.join(tmp, "no-memory.dtb")
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", bad], input=dts,
                       check=True, text=True)
        with Qemu(qemu_cmd(["-dtb", bad]), log_path=args.log, deadline=120) as q:
            q.expect(r"rivet: boot failed: device tree: ENOENT: .*memory", timeout=60)
            q.wait_exit(timeout=30)
    finally:
        shutil.rmtree(tmp)


def mode_badstorage():
    # A boot loader's initrd bounds outside RAM, and a controller whose
    # registers the tree puts inside RAM (here over OpenSBI's own memory):
    # the kernel must refuse both with a message and reach its monitor,
    # not fault reading the initrd or writing "registers".
    tmp = tempfile.mkdtemp()
    try:
        dtb = os.path.join(tmp, "virt.dtb")
        subprocess.run(qemu_cmd(["-machine", "dumpdtb=" + dtb]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb], check=True,
                             capture_output=True, text=True).stdout
        dts, n = re.subn(r"\n\tchosen \{", "\n\tchosen {\n\t\tlinux,initrd-start = <0x00 0x40000000>;"
                         "\n\t\tlinux,initrd-end = <0x00 0x40100000>;", dts)
        assert n == 1, "could not find /chosen in QEMU's tree"
        end = dts.rstrip().rfind("\n};")
        assert end > 0, "could not find the end of QEMU's tree"
        dts = (dts[:end] + "\n\tspi@80001000 {\n\t\tcompatible = \"sifive,spi0\";"
               "\n\t\treg = <0x00 0x80001000 0x00 0x1000>;\n\t};" + dts[end:])
        bad = os.path.join(tmp, "bad-storage.dtb")
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", bad], input=dts,
                       check=True, text=True)
        with Qemu(qemu_cmd(["-dtb", bad]), log_path=args.log, deadline=120) as q:
            boot(q)
            assert "rivet: /spi@80001000: sifive_spi probe failed: EINVAL" in q.output, q.output
            assert "rivet: initrd at 0x40000000..0x40100000 is outside RAM; ignored" in q.output, q.output
            power_off(q)
    finally:
        shutil.rmtree(tmp)


def mode_sharedirq():
    # A tree that gives every virtio-mmio slot the console UART's interrupt,
    # with a disk in one slot: the disk's probe must be refused (EBUSY), not
    # take the console's interrupt over (which left typed input unseen and
    # the disk's own requests waiting forever).
    tmp = tempfile.mkdtemp()
    try:
        dtb = os.path.join(tmp, "virt.dtb")
        disk = os.path.join(tmp, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(1 << 20)
        drive = ["-drive", "file=%s,if=none,format=raw,id=d" % disk, "-device", "virtio-blk-device,drive=d"]
        subprocess.run(qemu_cmd(drive + ["-machine", "dumpdtb=" + dtb]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb], check=True,
                             capture_output=True, text=True).stdout
        uart = re.search(r"serial@10000000 \{\n\t+interrupts = <(0x[0-9a-f]+)>;", dts)
        assert uart, "could not find the UART's interrupt in QEMU's tree"
        dts, n = re.subn(r"(virtio_mmio@[0-9a-f]+ \{\n\t+interrupts = <)0x[0-9a-f]+>",
                         lambda m: m.group(1) + uart.group(1) + ">", dts)
        assert n == 8, "expected 8 virtio-mmio slots, found %d" % n
        bad = os.path.join(tmp, "shared-irq.dtb")
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", bad], input=dts,
                       check=True, text=True)
        with Qemu(qemu_cmd(drive + ["-dtb", bad]), log_path=args.log, deadline=120) as q:
            boot(q)
            assert re.search(r"rivet: /soc/virtio_mmio@\w+: virtio_mmio probe failed: EBUSY", q.output), q.output
            command(q, "uptime")  # typed input still reaches the console
            power_off(q)
    finally:
        shutil.rmtree(tmp)


def mode_capped():
    assert args.smp > harts, "--smp must exceed --harts for this mode"
    with Qemu(qemu_cmd(), log_path=args.log, deadline=240) as q:
        boot(q)
        line = "rivet: using %d of %d harts (this kernel runs at most %d)\n" % (harts, args.smp, harts)
        assert line in q.output, "no %r in the boot log" % line
        # Whichever hart OpenSBI picked to boot, also one past the limit,
        # the console is the kernel's own driver.
        assert "staying on the SBI console" not in q.output, "the console driver did not start"
        online = set(int(h) for h in re.findall(r"rivet: hart (\d+) online ", q.output))
        assert len(online) == harts - 1, "expected %d secondary harts, saw %s" % (harts - 1, online)
        power_off(q)


run_test({"boot": mode_boot, "capped": mode_capped, "sharedirq": mode_sharedirq, "echo": mode_echo, "fault": mode_fault,
          "lockorder": mode_lock_order,
          "repeat": mode_repeat, "badtree": mode_badtree, "badstorage": mode_badstorage}[args.mode])
