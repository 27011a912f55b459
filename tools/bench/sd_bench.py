"""SD-card throughput on QEMU sifive_u: Rivet's root file system on the card
behind the SiFive SPI controller (SPI-mode SD driver), the file figures of
`bench` (write 1 MiB in 4 KiB calls and fsync, read it back, read 8 MiB
with read() and with mmap, not cached), reported as MB/s of file data and as disk requests and disk
MiB per MiB of file data (from the kernel's per-disk counters, diskstat()).

One boot in plain TCG: the times are QEMU's emulation of the SPI
controller and card (every byte is a register access), not a board's; the
requests per MiB are the kernel's own and carry over to hardware.
"""
import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "harness"))
from rivet_qemu import Qemu  # noqa: E402

FIRMWARE = "firmware/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
# The kernel built without lock checks (RIVET_LOCK_CHECKS=0; tools/bench.sh
# builds it): the one the tests boot checks lock ranks on every acquisition.
KERNEL = "target/kernel/bench/Image"
CARD = "tests/user/sifive_u/sdhc-4g.img"
PROMPT = r"(?:^|\n)[/.]\S* \$ "  # the shell's prompt shows its directory
FIGURES = [  # key, what, MiB of file data per operation
    ("write_1m", "write 1 MiB in 4 KiB calls + fsync", 1),
    ("read_1m", "read it back (4 KiB calls)", 1),
    ("read_8m", "sequential read 8 MiB, read() 64 KiB, not cached", 8),
    ("mmap_8m", "sequential read 8 MiB, mmap, not cached", 8),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(REPO, "build"))
    p.add_argument("--qemu", default="qemu-system-riscv64")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--timeout", type=float, default=1800)
    args = p.parse_args()
    for path in (FIRMWARE, KERNEL, CARD):
        if not os.path.exists(os.path.join(args.build, path)):
            sys.exit("sd_bench: %s is missing; build first" % os.path.join(args.build, path))
    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sd-bench-", dir=outdir)
    card = os.path.join(work, "card.img")
    subprocess.run(["cp", "--sparse=always", os.path.join(args.build, CARD), card], check=True)
    cmd = [args.qemu, "-M", "sifive_u", "-smp", "5", "-m", "512M", "-nographic", "-no-reboot",
           "-bios", os.path.join(args.build, FIRMWARE), "-kernel", os.path.join(args.build, KERNEL),
           "-drive", "file=%s,format=raw,if=sd" % card]
    bench = "bench -H 1000000 -r %d %s" % (args.rounds, " ".join(k for k, _, _ in FIGURES))
    try:
        with Qemu(cmd, log_path=os.path.join(outdir, "console-sd.log"), deadline=args.timeout) as q:
            q.expect(r"init: starting /bin/sh", timeout=180)
            q.expect(PROMPT, timeout=120)
            card_line = re.search(r"rivet: disk mmcblk0: .*", q.output)
            q.send(bench + "\r")
            q.expect(r"^bench: done\n", timeout=args.timeout)
            output = q.output
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = ["| figure | MB/s (median) | range | disk requests per MiB | disk MiB per MiB |", "|---|---|---|---|---|"]
    for key, what, mib in FIGURES:
        m = re.search(r"^bench: %s instret_median=\S+ .*?time_us_median=(\S+) time_us_min=(\S+) "
                      r"time_us_max=(\S+)" % key, output, re.MULTILINE)
        d = re.search(r"^bench: %s\.disk requests_per_mib=(\S+) disk_mib_per_mib=(\S+)" % key, output,
                      re.MULTILINE)
        if not m:
            rows.append("| %s | n/a | | | |" % what)
            continue
        rate = lambda us: mib * 1048576 / float(us)  # noqa: E731  (MB/s = bytes per µs)
        rows.append("| %s | %.2f | %.2f – %.2f | %s | %s |" % (
            what, rate(m.group(1)), rate(m.group(3)), rate(m.group(2)),
            d.group(1) if d else "?", d.group(2) if d else "?"))
    header = "Rivet SD bench, %s, QEMU sifive_u, root on %s" % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), card_line.group(0)[len("rivet: disk "):] if card_line else "?")
    text = header + "\n" + "\n".join(rows)
    print(text)
    path = os.path.join(outdir, "sd-results-%s.txt" % datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n\nraw lines:\n" + "\n".join(re.findall(r"^bench: .*$", output, re.MULTILINE)) + "\n")
    print("sd_bench: results in %s" % os.path.relpath(path))


if __name__ == "__main__":
    main()
