"""tools/boot.sh's argument handling and disks, without QEMU or a build.

QEMU is replaced (the QEMU environment variable) by a stand-in that writes
its command line to a file, checks that its disk exists, and sleeps; the
runs use --no-build, so nothing is built. Checks:
  * --help prints the usage and exits 0 at once, building nothing;
  * an option without its value, an unknown option, --smp 0 or above the
    kernel's kMaxHarts (read here from kernel/dt/machine.h), --mem below the
    minimum: each a one-line reason and status 2, and QEMU never started;
  * two runs at the same time boot different private copies of the image,
    removed when QEMU exits;
  * --disk FILE: made from the image, kept afterwards, and a second run on
    the same file while the first runs is refused with a plain message;
  * --gdb says where QEMU waits and binds the stub to localhost.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--boot-sh", required=True)
p.add_argument("--build-dir", required=True)
p.add_argument("--workdir", required=True)
args = p.parse_args()

repo = os.path.dirname(os.path.dirname(os.path.abspath(args.boot_sh)))
shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
fake_qemu = os.path.join(args.workdir, "fake-qemu")
with open(fake_qemu, "w") as f:
    f.write("""#!/usr/bin/env bash
# Stand-in for qemu-system-riscv64: records its arguments and its disk.
out=$FAKE_QEMU_OUT
printf '%s\\n' "$@" > "$out.args"
disk=$(printf '%s\\n' "$@" | sed -n 's/^file=\\([^,]*\\),.*/\\1/p' | head -n1)
[[ -f $disk ]] && echo "disk exists: $disk" > "$out.disk"
sleep "${FAKE_QEMU_SLEEP:-0}"
""")
os.chmod(fake_qemu, 0o755)

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def env_for(name, sleep=0):
    env = dict(os.environ, QEMU=fake_qemu, RIVET_BUILD_DIR=args.build_dir,
               FAKE_QEMU_OUT=os.path.join(args.workdir, name), FAKE_QEMU_SLEEP=str(sleep))
    return env


def run(argv, name="run", sleep=0, timeout=60):
    return subprocess.run([args.boot_sh] + argv, env=env_for(name, sleep), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def started(name):
    return os.path.exists(os.path.join(args.workdir, name + ".args"))


def qemu_args(name):
    with open(os.path.join(args.workdir, name + ".args")) as f:
        return f.read().split("\n")


# --help: usage only, status 0, quickly (no setup, no build).
t0 = time.monotonic()
r = run(["--help"], name="help")
check(r.returncode == 0, "--help exits 0 (got %d)" % r.returncode)
check(r.stdout.startswith("usage: tools/boot.sh"), "--help prints the usage first")
for opt in ("--smp", "--mem", "--no-build", "--keep-disk", "--disk", "--gdb", "--dry-run"):
    check(opt in r.stdout, "--help mentions %s" % opt)
check(r.stderr == "", "--help prints nothing on stderr: %r" % r.stderr)
check(time.monotonic() - t0 < 10, "--help returns at once (no build)")
check(not started("help"), "--help starts no QEMU")

with open(os.path.join(repo, "kernel/dt/machine.h")) as f:
    max_harts = int(re.search(r"^inline constexpr size_t kMaxHarts = (\d+);", f.read(), re.M).group(1))

refusals = [
    (["--smp"], r"--smp needs a value"),
    (["--mem"], r"--mem needs a value"),
    (["--disk"], r"--disk needs a value"),
    (["--board"], r"--board needs a value"),
    (["--machine"], r"--machine needs a value"),
    (["--smp", "--no-build"], r"--smp needs a value"),
    (["--bogus"], r"unknown option --bogus"),
    (["--smp", "0"], r"--smp needs a number of harts"),
    (["--smp", "four"], r"--smp needs a number of harts"),
    (["--smp", str(max_harts + 1)], r"the kernel runs at most %d harts \(kMaxHarts" % max_harts),
    (["--mem", "32M"], r"--mem 32M: too little memory.*at least 36M"),
    (["--mem", "35M"], r"at least 36M"),
    (["--mem", "lots"], r"--mem needs a size"),
    (["--keep-disk", "--disk", "x.img"], r"exclude each other"),
]
for argv, message in refusals:
    name = "refuse%d" % refusals.index((argv, message))
    r = run(argv + ["--no-build"], name=name)
    what = "boot.sh %s" % " ".join(argv)
    check(r.returncode == 2, "%s: status 2 (got %d)" % (what, r.returncode))
    check(re.search(r"^boot\.sh: .*" + message, r.stderr) is not None and r.stderr.count("\n") == 1,
          "%s: one line saying %r (got %r)" % (what, message, r.stderr))
    check(not started(name), "%s: no QEMU started" % what)

# The limits themselves are accepted.
for argv in (["--smp", str(max_harts)], ["--mem", "36M"], ["--smp", "1", "--mem", "2G"]):
    r = run(argv + ["--dry-run"], name="dry")
    check(r.returncode == 0 and "-smp" in r.stdout, "boot.sh %s --dry-run accepted: %r" % (" ".join(argv), r.stderr))

image = os.path.join(args.build_dir, "boards/qemu-virt/sd.img")
if not os.path.exists(image):
    print("FAIL: no %s: build first" % image)
    sys.exit(1)

# Two runs at once: different private copies, both gone afterwards.
procs = [subprocess.Popen([args.boot_sh, "--no-build"], env=env_for("twin%d" % i, sleep=3),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
         for i in range(2)]
outs = [pr.communicate(timeout=60) for pr in procs]
for i, pr in enumerate(procs):
    check(pr.returncode == 0, "concurrent run %d exits 0 (stderr %r)" % (i, outs[i][1]))
disks = []
for i in range(2):
    a = qemu_args("twin%d" % i)
    disk = next((re.match(r"file=([^,]*),", x).group(1) for x in a if x.startswith("file=")), None)
    disks.append(disk)
    check(os.path.exists(os.path.join(args.workdir, "twin%d.disk" % i)), "run %d's disk existed while QEMU ran" % i)
check(disks[0] is not None and disks[0] != disks[1], "concurrent runs boot different disks: %s" % disks)
check(all(d and d != image for d in disks), "neither boots the built image itself")
for d in disks:
    path = d if os.path.isabs(d) else os.path.join(repo, d)
    check(not os.path.exists(path), "private copy %s removed after the run" % d)

# --disk FILE: made from the image, kept, and locked while a run uses it.
kept = os.path.join(args.workdir, "kept.img")
first = subprocess.Popen([args.boot_sh, "--no-build", "--disk", kept], env=env_for("kept0", sleep=4),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
deadline = time.monotonic() + 30
while not started("kept0") and time.monotonic() < deadline:
    time.sleep(0.1)
r = run(["--disk", kept, "--no-build"], name="kept1")
check(r.returncode == 1 and "in use by another boot.sh run" in r.stderr,
      "a second run on a kept disk in use is refused plainly (status %d, %r)" % (r.returncode, r.stderr))
check(not started("kept1"), "the refused run starts no QEMU")
out, err = first.communicate(timeout=60)
check(first.returncode == 0 and "new copy" in err, "--disk FILE makes FILE from the image (%r)" % err)
check(os.path.exists(kept), "--disk FILE is kept after QEMU exits")
r = run(["--disk", kept, "--no-build"], name="kept2")
check(r.returncode == 0 and "new copy" not in r.stderr, "the next run boots the kept file as it is")

# --gdb: where QEMU waits, bound to localhost.
r = run(["--no-build", "--gdb"], name="gdb")
check("waiting for GDB on localhost:1234" in r.stderr, "--gdb says where QEMU waits: %r" % r.stderr)
a = qemu_args("gdb")
check("tcp:localhost:1234" in a and "-S" in a and "-s" not in a, "--gdb binds the stub to localhost: %s" % a)

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all checks passed")
