"""README.md's "What you see" console samples against a real boot.

The section holds two blocks: a boot with the qemu-virt SD image up to the
shell's first prompt, and a boot without a disk up to the kernel monitor's
prompt. Each is booted here as tools/boot.sh boots it (QEMU virt, fw_jump,
4 harts, 1 GiB) and the README's lines must be consecutive lines of the
console, from the first README line on: a changed, missing or added line
fails the test, so the README cannot drift from what the build prints.
For the disk boot only the lines before the first `$ ` are compared (what
follows is typed at the shell).

What may legitimately differ, and nothing else:
  * every hexadecimal address (0x...);
  * the boot hart, which OpenSBI picks at random (`booting on hart N`,
    `boot hart N; starting ...`), and so the hart ids in the
    `hart N online (cpu M)` lines;
  * the kernel image's size and the device tree's (`..., N KiB; device tree
    at ..., N bytes`) and what follows from them (`N MiB usable, N pages
    free`): they change with every kernel change.
"""
import argparse
import os
import re

import rivet_system
from rivet_qemu import Qemu, run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--readme", required=True)
args = p.parse_args()

# (README line pattern, what may vary in it): each group of the pattern
# becomes "any digits" when the README line matches it.
VARIABLE = [
    r"booting on hart (\d+)$",
    r"^rivet: boot hart (\d+); starting",
    r"^rivet: hart (\d+) online \(cpu (\d+)\)$",
    r"^rivet: kernel at physical \S+, (\d+) KiB; device tree at \S+, (\d+) bytes$",
    r"^rivet: (\d+) MiB usable, (\d+) pages free$",
]


def readme_blocks():
    text = open(args.readme).read()
    section = text.split("\n## What you see\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```\n(.*?)^```$", section, re.S | re.M)


def line_pattern(line):
    """The regular expression a console line must match for README line `line`."""
    spans = []
    for rule in VARIABLE:
        m = re.search(rule, line)
        if m:
            spans += [m.span(g) for g in range(1, m.lastindex + 1)]
    out, pos = "", 0
    for start, end in sorted(spans):
        out += re.escape(line[pos:start]) + r"\d+"
        pos = end
    out += re.escape(line[pos:])
    return re.sub(r"0x[0-9a-f]+", "0x[0-9a-f]+", out) + "$"


def compare(expected, console, what):
    lines = [l.rstrip("\r") for l in console.split("\n")]
    first = line_pattern(expected[0])
    starts = [i for i, l in enumerate(lines) if re.match(first, l)]
    assert starts, "%s: the console has no line like the README's first, %r" % (what, expected[0])
    i = starts[0]
    for n, want in enumerate(expected):
        got = lines[i + n] if i + n < len(lines) else "<end of console>"
        assert re.match(line_pattern(want), got), (
            "%s: README line %d differs from the console:\n  README:  %s\n  console: %s" % (what, n + 1, want, got))
    print("%s: %d README lines match the console" % (what, len(expected)))


def main():
    blocks = readme_blocks()
    assert len(blocks) >= 2, "expected two console blocks under 'What you see', found %d" % len(blocks)
    shell_block = blocks[0].split("\n")
    # Up to the first prompt ("/ $ ": the shell shows its directory).
    expected = shell_block[:next(i for i, l in enumerate(shell_block) if re.match(r"[/.]\S* \$ ", l))]
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk, smp=4, mem="1G") as q:
        compare(expected, q.output, "boot with the SD image")
        rivet_system.power_off(q)

    monitor = [l for l in blocks[1].split("\n") if l]
    log = os.path.splitext(args.log)[0] + ".monitor.log"
    with Qemu(rivet_system.qemu_command(args, None, smp=4, mem="1G"), log_path=log, deadline=300) as q:
        q.expect(r"rivet> ", timeout=120)
        # The monitor block ends with the prompt itself, which has no newline yet.
        compare(monitor[:-1], q.output, "boot without a disk")
        assert monitor[-1].rstrip() == "rivet>", "the monitor block should end at the prompt: %r" % monitor[-1]
        q.send("poweroff\r")
        q.expect(r"rivet: powering off", timeout=60)
        q.wait_exit(timeout=60)


run_test(main)
