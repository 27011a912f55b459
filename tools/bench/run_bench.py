#!/usr/bin/env python3
"""Boots Rivet under QEMU, runs the `bench` program and prints a table.

Two boots of QEMU `virt` with one hart and 512 MiB, each on a private copy
of the SD-card image:
  * icount: `-icount shift=0`. QEMU then executes one guest instruction per
    virtual nanosecond and `instret` counts guest instructions, so the counts
    repeat from run to run. The table's instruction columns come from here.
    Its disk uses cache=unsafe: the guest's flushes then cost no host
    fdatasync, whose real-time latency would otherwise be counted (a hart
    idle in wfi advances `instret` by one per real nanosecond under
    -icount), making the file-system figures depend on the host's disk.
  * tcg: plain TCG, as fast as the host goes. `instret` then counts host
    ticks rather than instructions, so only its times (the `time` CSR) are
    used: the table's microsecond columns.
The disk columns (requests per operation: reads / writes / flushes, and KiB
read / written per operation) are the kernel's own counts (diskstat(), all
disks added up) over the measured spans: exact, and the same in both runs
whatever the host's load, unlike the instruction counts of figures that wait
for the disk. They come from the icount run.
Each QEMU has a hard deadline and is killed by its PID however the run ends
(tests/harness/rivet_qemu.py). The raw `bench:` lines, the table and the
QEMU command lines are written to build/bench/results-DATE.txt, the console
transcripts to build/bench/console-MODE.log.

A benchmark is not a test: no figure fails the run. The exit status is 1 only
if QEMU did not boot, or bench crashed or did not print `bench: done`.
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
from rivet_qemu import Qemu, ConsoleTimeout  # noqa: E402

FIRMWARE = "firmware/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
# The kernel built without lock checks (RIVET_LOCK_CHECKS=0; tools/bench.sh
# builds it): the one the tests boot checks lock ranks on every acquisition.
KERNEL = "target/kernel/bench/Image"
IMAGE = "boards/qemu-virt/sd.img"
PROMPT = r"(?:^|\n)[/.]\S* \$ "  # the shell's prompt shows its directory

K = 1000
M = 1000 * 1000


class Row:
    """One line of the table: what it measures, the bench key, the target
    (guest instructions per operation, or None), and the texts to print."""

    def __init__(self, operation, key, target, target_text, reference):
        self.operation = operation
        self.key = key
        self.target = target
        self.target_text = target_text
        self.reference = reference


# Targets and xv6-style references from the project's issue, in guest
# instructions per operation. mmap_8m's target is "no more than read_8m".
ROWS = [
    Row("getpid round trip", "getpid", 500, "≤ 500", "[1,130]"),
    Row("anonymous page, first touch (per page)", "page_fault", 3000, "≤ 3,000", "[25,000 with eager sbrk]"),
    Row("anonymous page, eager sbrk (per page)", "page_eager", None, "—", "[25,000]"),
    Row("fork+exit+wait, small process", "fork_small", 280 * K, "≤ 280 k", "[565 k]"),
    Row("fork+exit+wait, 16 MiB touched", "fork_16m", 3.8 * M, "≤ 3.8 M", "[188 M, eager copy]"),
    Row("fork+exit+wait, 64 MiB touched", "fork_64m", None, "—", "—"),
    Row("fork+exec+wait of /bin/true", "fork_exec", 0.8 * M, "≤ 0.8 M", "[1.64 M]"),
    Row("pipe 1-byte round trip", "pipe_rtt", 48 * K, "≤ 48 k", "[96 k]"),
    Row("write 1 MiB in 4 KiB calls + fsync", "write_1m", 270 * M, "≤ 270 M", "[1,080 M]"),
    Row("read it back (4 KiB calls, cached)", "read_1m", 38 * M, "≤ 38 M", "[152 M]"),
    Row("sequential read 8 MiB, read() 64 KiB, not cached", "read_8m", None, "—", "—"),
    Row("sequential read 8 MiB, mmap, not cached", "mmap_8m", "read_8m", "≤ read()", "—"),
    Row("sequential read 8 MiB, read() 64 KiB, cached", "read_8m_cached", None, "—", "—"),
    Row("sequential read 8 MiB, mmap, cached", "mmap_8m_cached", None, "—", "—"),
    Row("swap-in of a page", "swap_in", None, "—", "—"),
]
KEYS = [row.key for row in ROWS]

LINE = re.compile(r"^bench: (\S+) (.*)$", re.MULTILINE)
NA = re.compile(r"^n/a \((.*)\)$")


def parse(output):
    """The bench lines of one run: {key: {"na": reason} or {field: value}};
    a figure's KEY.io line (disk traffic per operation) under "io" and its
    KEY.disk line under "disk"."""
    results = {}
    for m in LINE.finditer(output):
        name, rest = m.group(1), m.group(2).strip()
        key, _, sub = name.partition(".")
        if key not in KEYS or sub not in ("", "io", "disk"):
            continue
        na = NA.match(rest)
        if na and not sub:
            results[key] = {"na": na.group(1)}
            continue
        fields = dict(f.split("=", 1) for f in rest.split() if "=" in f)
        # unit may contain spaces ("round trip", "8 MiB"): take it up to " rounds=".
        unit = re.search(r"unit=(.*?) rounds=", rest)
        if unit:
            fields["unit"] = unit.group(1)
        if sub:
            results.setdefault(key, {})[sub] = fields
        else:
            results.setdefault(key, {}).update(fields)
    return results


def qemu_command(qemu, build, disk, icount, icount_opts="shift=0", drive_opts=""):
    cmd = [qemu, "-M", "virt", "-smp", "1", "-m", "512M", "-nographic", "-no-reboot",
           "-bios", os.path.join(build, FIRMWARE), "-kernel", os.path.join(build, KERNEL),
           "-drive", "file=%s,format=raw,if=none,id=root" % disk + ("," + drive_opts if drive_opts else ""),
           "-device", "virtio-blk-device,drive=root"]
    if icount:
        cmd += ["-icount", icount_opts]
    return cmd


def run_once(mode, args, outdir):
    """Boots once, runs bench, powers off. Returns (output of bench, command,
    error text or None)."""
    workdir = tempfile.mkdtemp(prefix="bench-%s-" % mode, dir=outdir)
    disk = os.path.join(workdir, "sd.img")
    output, error = "", None
    cmd = qemu_command(args.qemu, args.build, disk, mode == "icount", args.icount,
                       args.icount_drive if mode == "icount" else args.tcg_drive)
    try:
        subprocess.run(["cp", "--sparse=always", os.path.join(args.build, IMAGE), disk], check=True)
        log = os.path.join(outdir, "console-%s.log" % mode)
        bench_cmd = "bench" + (" -r %d" % args.rounds if args.rounds else "") + "".join(" " + k for k in args.keys)
        with Qemu(cmd, log_path=log, deadline=args.timeout) as q:
            try:
                q.expect(r"init: starting /bin/sh", timeout=180)
                q.expect(PROMPT, timeout=120)
                # The shell reports no exit status by itself: ask for it.
                typed = bench_cmd + "; echo bench-status=$?"
                q.send(typed + "\r")
                q.expect(re.escape(typed) + r"\n", timeout=30)
                start = q.cursor
                # bench ends with "bench: done"; a prompt before it means bench died.
                m = q.expect(r"(^bench: done\n)|(" + PROMPT + r")", timeout=args.timeout)
                output = q.output[start:q.cursor]
                if not m.group(1):
                    error = "bench ended without \"bench: done\"; console tail:\n%s" % output[-1500:]
                else:
                    q.expect(PROMPT, timeout=60)
                    after = q.output[start + len(output):q.cursor]
                    status = re.search(r"bench-status=(-?\d+)", after)
                    if not status or status.group(1) != "0" or "killed" in after:
                        error = "bench exited abnormally: %s" % after.strip()
                q.send("poweroff\r")
                q.expect(r"rivet: powering off", timeout=120)
                q.wait_exit(timeout=120)
            except ConsoleTimeout as e:
                error = "%s run: %s" % (mode, e)
                if not output:
                    output = q.output
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return output, cmd, error


# ---- formatting -------------------------------------------------------------------

def fmt_count(x):
    x = float(x)
    if x < 10 * K:
        return "{:,}".format(int(round(x)))
    if x < M:
        return "%.1f k" % (x / K)
    return "%.2f M" % (x / M)


def fmt_us(text):
    x = float(text)
    if x < 10:
        return "%.3f" % x
    if x < 1000:
        return "%.1f" % x
    return "{:,}".format(int(round(x)))


def fmt_io(x):
    """A per-operation disk figure (two decimals from bench): "0", "4",
    "1.50", "1,024"."""
    x = float(x)
    if x == int(x):
        return "{:,}".format(int(x))
    return "{:,.2f}".format(x) if x < 100 else "{:,}".format(int(round(x)))


def disk_cells(io):
    """The two disk columns from a KEY.io line, or two empty cells."""
    if not io:
        return ["", ""]
    try:
        requests = "%s / %s / %s" % (fmt_io(io["read_requests"]), fmt_io(io["write_requests"]),
                                     fmt_io(io["flushes"]))
        kib = "%s / %s" % (fmt_io(io["read_kib"]), fmt_io(io["write_kib"]))
    except (KeyError, ValueError):
        return ["?", "?"]
    return [requests, kib]


def table(icount, tcg):
    head = ["operation", "target", "[xv6-style reference]", "median instructions (icount)",
            "spread (min–max)", "disk requests per op (read / write / flush)", "disk KiB per op (read / written)",
            "median µs (TCG)", "spread (min–max)"]
    rows = []
    for row in ROWS:
        ins = icount.get(row.key)
        tim = tcg.get(row.key)
        if ins is None and tim is None:
            continue  # not run (benchmark not selected)
        cells = [row.operation, row.target_text, row.reference]
        if ins is None:
            cells += ["(not run)", ""]
        elif "na" in ins:
            cells += ["n/a (%s)" % ins["na"], ""]
        elif "instret_median" not in ins:
            cells += ["?", ""]
        else:
            median = int(ins["instret_median"])
            target = row.target
            if isinstance(target, str):  # relative to another row's median
                other = icount.get(target, {})
                target = int(other["instret_median"]) if "instret_median" in other else None
            mark = " ✓" if target is not None and median <= target else ""
            cells += [fmt_count(median) + mark,
                      "%s – %s" % (fmt_count(ins["instret_min"]), fmt_count(ins["instret_max"]))]
        # The disk counts are the kernel's and exact: the icount run's, or
        # the TCG run's when only that one ran.
        io = (ins or {}).get("io") or (tim or {}).get("io")
        cells += disk_cells(io)
        if tim is None:
            cells += ["(not run)", ""]
        elif "na" in tim:
            cells += ["n/a (%s)" % tim["na"], ""]
        elif "time_us_median" not in tim:
            cells += ["?", ""]
        else:
            cells += [fmt_us(tim["time_us_median"]),
                      "%s – %s" % (fmt_us(tim["time_us_min"]), fmt_us(tim["time_us_max"]))]
        rows.append(cells)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def qemu_version(qemu):
    try:
        out = subprocess.run([qemu, "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()[0] if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"), help="the build directory")
    parser.add_argument("--qemu", default="qemu-system-riscv64")
    parser.add_argument("--mode", choices=["both", "icount", "tcg"], default="both")
    parser.add_argument("--icount", default="shift=0", help="the -icount option of the icount run")
    parser.add_argument("--icount-drive", default="cache=unsafe",
                        help="extra -drive options for the icount run (default cache=unsafe; '' for none)")
    parser.add_argument("--tcg-drive", default="", help="extra -drive options for the TCG run")
    parser.add_argument("--rounds", type=int, default=0, help="rounds per figure (bench's default: 7)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per QEMU boot, hard")
    parser.add_argument("keys", nargs="*", help="only these benchmarks: " + " ".join(KEYS))
    args = parser.parse_args()
    for key in args.keys:
        if key not in KEYS:
            parser.error("unknown benchmark %s" % key)
    for path in (FIRMWARE, KERNEL, IMAGE):
        if not os.path.exists(os.path.join(args.build, path)):
            sys.exit("run_bench: %s is missing; build first (tools/bench.sh does)" % os.path.join(args.build, path))
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")

    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    now = datetime.datetime.now()
    version = qemu_version(args.qemu)
    modes = ["icount", "tcg"] if args.mode == "both" else [args.mode]
    raw, results, errors, commands = {}, {"icount": {}, "tcg": {}}, [], []
    for mode in modes:
        print("run_bench: %s run (%s)..." % (mode, "-icount shift=0" if mode == "icount" else "plain TCG"),
              flush=True)
        output, cmd, error = run_once(mode, args, outdir)
        commands.append("%s: %s" % (mode, " ".join(cmd)))
        raw[mode] = [m.group(0) for m in re.finditer(r"^bench: .*$", output, re.MULTILINE)]
        results[mode] = parse(output)
        if error:
            errors.append("%s: %s" % (mode, error))
            print("run_bench: %s" % errors[-1], file=sys.stderr, flush=True)

    text = table(results["icount"], results["tcg"])
    try:
        commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True,
                                text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    header = "Rivet bench, %s, %s, commit %s; QEMU virt, 1 hart, 512 MiB" % (
        now.strftime("%Y-%m-%d %H:%M"), version, commit or "unknown")
    print()
    print(header)
    print(text)
    print("✓: meets the target (instructions per operation, from the icount run). Disk columns: the kernel's"
          " counts per operation, all disks, exact.")
    path = os.path.join(outdir, "results-%s.txt" % now.strftime("%Y-%m-%d-%H%M%S"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n\n" + text + "\n\n")
        for mode in modes:
            f.write("raw lines, %s run:\n" % mode)
            f.write("\n".join(raw[mode]) + "\n\n")
        f.write("QEMU command lines:\n" + "\n".join(commands) + "\n")
        if errors:
            f.write("\nerrors:\n" + "\n".join(errors) + "\n")
    print("run_bench: results in %s" % os.path.relpath(path))
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
