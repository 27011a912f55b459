#!/usr/bin/env python3
"""Checks that the kernel's lowest layers include only what they may.

- kernel/lib/ is pure code: the host tools and unit tests compile it, so it
  includes nothing from the kernel outside kernel/lib/.
- kernel/sync/ (locks) and kernel/log/ (messages, panic) are the kernel
  services everything else uses. They may include kernel/lib/ and each
  other; any other kernel header is an arrow to a higher layer and must say
  why on the same line, in a comment starting "// up:".

Fails with one line per offending include. What it proves: a lower layer
cannot start depending on a higher one without a written reason."""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
INCLUDE = re.compile(r'^\s*#\s*include\s+"(kernel/[^"]+)"(.*)$')
RULES = {
    "kernel/lib": ("kernel/lib/",),
    "kernel/sync": ("kernel/lib/", "kernel/sync/", "kernel/log/"),
    "kernel/log": ("kernel/lib/", "kernel/sync/", "kernel/log/"),
}

problems = []
checked = 0
for folder, allowed in RULES.items():
    files = sorted((ROOT / folder).glob("*"))
    if not files:
        problems.append(f"{folder}: no files (moved? update tests/tools/check_layers.py)")
    for path in files:
        if path.suffix not in (".h", ".cc"):
            continue
        checked += 1
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m or m.group(1).startswith(allowed):
                continue
            reason = m.group(2).strip()
            if folder != "kernel/lib" and reason.startswith("// up:") and len(reason) > len("// up:") + 3:
                continue
            what = "pure code includes" if folder == "kernel/lib" else "includes a higher layer without '// up: why'"
            problems.append(f"{path.relative_to(ROOT)}:{number}: {what}: {m.group(1)}")

for p in problems:
    print(p)
print(f"{checked} files checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
