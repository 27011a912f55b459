"""The installed SDK, used exactly as user/README.md says.

  * The README's two compiler commands (the block after "which runs") are
    what the SDK's example Makefile runs (`make -n`), flag for flag.
    The SDK's own README (installed with it) shows the same two.
  * The README's make steps build the example (cp -r $SDK/example; make).
  * With the README's commands, with SDK set as the README sets it, a
    standard C program (stdio, stdlib, string, ctype, errno, unistd), an
    unchanged xv6 program (kernel/types.h, stat.h, param.h, riscv.h,
    memlayout.h, syscall.h, fs.h, user/user.h, fcntl.h) and a file mixing
    both kinds of header compile and link into Rivet programs.
  * A glibc header the SDK lacks stops the compile with the SDK's message
    naming what to include instead; any other unknown header is simply not
    found (never glibc's).
  * With --boot (test sdk.run): the three programs go into a root file
    system with everything the image has (rivet-mkfs with the image's
    manifest and one line per program, as user/README.md's manifest step
    does), booted as a RAM-disk root on QEMU virt, and run at the shell:
    each prints what it should and exits 0.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument("--sdk", required=True)
p.add_argument("--readme", required=True)
p.add_argument("--program", action="append", required=True,
               help="a test program (stdc.c, xv6prog.c, mixed.c), repeated")
p.add_argument("--workdir", required=True)
p.add_argument("--boot", action="store_true", help="also run the programs on a booted Rivet")
p.add_argument("--mkfs", help="rivet-mkfs (--boot)")
p.add_argument("--root-manifest", help="the image's root file system manifest (--boot)")
p.add_argument("--qemu", default="qemu-system-riscv64")
p.add_argument("--fw")
p.add_argument("--kernel")
p.add_argument("--log")
args = p.parse_args()

shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
env = dict(os.environ, SDK=os.path.abspath(args.sdk))
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def sh(command, cwd, expect_ok=True):
    r = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if expect_ok and r.returncode != 0:
        print("$ " + command + "\n" + r.stdout + r.stderr)
    return r


def readme_block(after):
    """The first ```sh block after the line containing `after`, continuation lines joined."""
    text = open(args.readme).read()
    rest = text[text.index(after):]
    block = re.search(r"```sh\n(.*?)```", rest, re.S).group(1)
    return [l for l in block.replace("\\\n", " ").split("\n") if l.strip()]


# The README's compile and link commands against the example Makefile's.
commands = readme_block("which runs")
check(len(commands) == 2 and all(c.startswith("riscv64-linux-gnu-gcc ") for c in commands),
      "the README shows a compile and a link command: %s" % commands)
example = os.path.join(args.workdir, "example")
shutil.copytree(os.path.join(args.sdk, "example"), example)
r = sh("make -n SDK=$SDK", example)
made = [l for l in r.stdout.split("\n") if l.strip()]
expanded = [shlex.split(c.replace("$SDK", env["SDK"])) for c in commands]
check([shlex.split(m) for m in made] == expanded,
      "the example Makefile runs the README's commands:\n  make: %s\n  README: %s" % (made, expanded))

# The SDK's own README (installed with it) shows the same two commands.
sdk_readme = open(os.path.join(args.sdk, "README.md")).read()
block = re.search(r"## Building a program.*?```sh\n(.*?)```", sdk_readme, re.S).group(1)
sdk_commands = [l for l in block.replace("\\\n", " ").split("\n") if l.strip() and not l.startswith("export ")]
check([shlex.split(c) for c in sdk_commands] == [shlex.split(c) for c in commands],
      "the SDK's README shows the same commands: %s" % sdk_commands)

# The README's make steps, pasted in order (from a directory holding build/target/sdk
# as the tree does: here SDK is already exported).
steps = readme_block("with make (Debian")
check(steps[0].startswith("export SDK="), "the README exports SDK first: %r" % steps[0])
r = sh("\n".join(steps[1:]), args.workdir)
check(r.returncode == 0 and os.path.exists(os.path.join(args.workdir, "myprog/hello")),
      "the README's make steps build myprog/hello")


def build(source, name):
    """Compiles and links `source` with the README's commands (hello -> name)."""
    shutil.copy(source, os.path.join(args.workdir, name + ".c"))
    script = "\n".join(re.sub(r"\bhello\b", name, c) for c in commands)
    r = sh("set -e\n" + script, args.workdir)
    out = os.path.join(args.workdir, name)
    ok = r.returncode == 0 and os.path.exists(out)
    if ok:
        head = subprocess.run(["riscv64-linux-gnu-readelf", "-h", out], capture_output=True, text=True).stdout
        ok = "RISC-V" in head and "0x10000" in head
    return ok, r.stderr


names = []
for source in args.program:
    name = os.path.splitext(os.path.basename(source))[0]
    names.append(name)
    ok, err = build(source, name)
    check(ok, "%s compiles and links with the README's commands into a Rivet program%s" % (source, "\n" + err if err else ""))
check(sorted(names) == ["mixed", "stdc", "xv6prog"], "the three programs were given: %s" % names)

# glibc headers: the SDK's message, or not found; never glibc's.
compile_only = commands[0]
for header, hint in (("sys/socket.h", "no network"), ("pthread.h", "no threads"), ("fcntl.h", "kernel/fcntl.h"),
                     ("math.h", "maths")):
    src = os.path.join(args.workdir, "glibc.c")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include <%s>\nint main(void) { return 0; }\n" % header)
    r = sh(re.sub(r"\bhello\b", "glibc", compile_only), args.workdir, expect_ok=False)
    check(r.returncode != 0 and ("Rivet SDK: <%s> is not available" % header) in r.stderr and hint in r.stderr
          and "see README.md in the SDK" in r.stderr,
          "#include <%s> fails with the SDK's message naming what to use: %r" % (header, r.stderr[-300:]))
with open(os.path.join(args.workdir, "glibc.c"), "w") as f:
    f.write("#include <stdio_ext.h>\nint main(void) { return 0; }\n")
r = sh(re.sub(r"\bhello\b", "glibc", compile_only), args.workdir, expect_ok=False)
check(r.returncode != 0 and "stdio_ext.h: No such file" in r.stderr,
      "another glibc header is not found (-nostdinc): %r" % r.stderr[-200:])



def boot_and_run():
    """The programs on a booted Rivet, from a RAM-disk root holding them."""
    import rivet_system
    from rivet_qemu import Qemu
    extra = os.path.join(args.workdir, "extra.manifest")
    with open(extra, "w") as f:
        for name in names:
            f.write("file %s /bin/%s\n" % (name, name))
    initrd = os.path.join(args.workdir, "root.fs")
    subprocess.run([args.mkfs, "--quiet", "--out", initrd, "--size", "32M", "--manifest", args.root_manifest,
                    "--manifest", extra], check=True)
    args.machine, args.initrd, args.append = "virt", initrd, None
    expected = {
        "stdc": [r"^stdc: 12 LETTERS, MAX 2147483647 \(12 letters, max 2147483647\) argc=1 sorted=1$",
                 r"^stdc: puts works$", r"^!$", r"^stdc: 9223372036854775807 255 -40$",
                 r"^stdc: close\(-1\): EBADF"],
        # MAXFILE: 12 direct blocks, then single, double and triple indirect
        # blocks of 1023 block numbers each (an indirect block's last word
        # is its checksum).
        "xv6prog 1 2": [r"^xv6prog: sp page 0x[0-9a-f]+, NPROC 128, NOFILE 16, MAXARG 32, USERSTACK 2048, "
                        r"SYS_write 16, MAXFILE %d, 2 args$" % (12 + 1023 + 1023 ** 2 + 1023 ** 3)],
        "mixed": [r"^Mixed: 5$", r"^Mixed on stderr$"],
    }
    with Qemu(rivet_system.qemu_command(args, None, smp=2, mem="256M"), log_path=args.log, deadline=300) as q:
        q.expect(r"init: starting /bin/sh", timeout=120)
        q.expect(rivet_system.PROMPT, timeout=60)
        for command, patterns in expected.items():
            # The shell reports no exit status by itself: $? gives it.
            out = rivet_system.run(q, command + "; echo status=$?")
            for pattern in patterns:
                check(re.search(pattern, out, re.M) is not None, "%r prints /%s/: %r" % (command, pattern, out))
            check(re.search(r"^status=0$", out, re.M) is not None, "%r exits 0: %r" % (command, out))
        rivet_system.power_off(q)


if args.boot:
    boot_and_run()

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all checks passed")
