"""Tests of ./flash.sh without real hardware.

--case write      writes a board image (with its .bmap, through bmaptool) and
                  a small image (with dd) to regular files with
                  --to-regular-file; each result must be byte-for-byte the
                  image, also over a target that held other data before.
--case arguments  bad command lines and bad images: each must end with a
                  non-zero status and a one-line reason on stderr, print
                  nothing else and write nothing.
--case refusals   every refusal about the target disk, with stand-ins for
                  lsblk and findmnt (tests/flash/fake/) first on PATH that
                  describe made-up disks; the "disks" are regular files, so
                  the test can also check that a refused target is untouched
                  and that an accepted one receives the image. Includes the
                  question: refused on a non-interactive input, "no" on a
                  terminal (a pseudo-terminal here) writes nothing, "yes"
                  writes.
"""
import argparse
import hashlib
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_BIN = os.path.join(HERE, "fake")
PATTERN = bytes([0xA5]) * 4096     # what a made-up disk holds before a test
FLASH_TIMEOUT = 120                # seconds for one flash.sh run (hard limit)

failures = []


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(args, flash, env=None, stdin=subprocess.DEVNULL):
    cmd = [flash] + args
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=FLASH_TIMEOUT)
    for name, text in (("stdout", done.stdout), ("stderr", done.stderr)):
        for line in text.rstrip("\n").splitlines()[-8:]:
            print("  %s| %s" % (name, line))
    return done


def same_file(a, b):
    return subprocess.run(["cmp", "--quiet", a, b]).returncode == 0


def make_small_image(mkimage, workdir):
    """A 4 MiB GPT image whose one partition holds 1 MiB of varied data, and
    its bmap: quick to write whole with dd."""
    data = os.path.join(workdir, "data.bin")
    with open(data, "wb") as f:
        f.write(bytes((i * 7 + i // 4096) & 0xFF for i in range(1 << 20)))
    image = os.path.join(workdir, "small.img")
    subprocess.run([mkimage, "--quiet", "--out", image, "--size", "4M", "--seed", "flash-test",
                    "--part", "name=data,type=linux,file=%s" % data], check=True)
    subprocess.run(["bmaptool", "-q", "create", "-o", image + ".bmap", image], check=True)
    return image


def case_write(args):
    board_image = os.path.join(args.build_dir, "boards", args.board, "sd.img")
    check(os.path.isfile(board_image), "%s exists (build the image first)" % board_image)
    check(os.path.isfile(board_image + ".bmap"), "%s.bmap exists" % board_image)
    if failures:
        return
    env = dict(os.environ, RIVET_BUILD_DIR=args.build_dir)

    target = os.path.join(args.workdir, "board-target.img")
    done = run(["--yes", "--to-regular-file", "--board", args.board, target], args.flash, env)
    check(done.returncode == 0, "flash.sh --board %s to a regular file succeeds" % args.board)
    check("bmaptool copy" in done.stdout, "it writes with bmaptool (the image has a .bmap)")
    check("read back matches" in done.stdout, "it reads back and compares")
    check(os.path.isfile(target) and same_file(board_image, target),
          "the target is byte-for-byte the board image")
    check(os.path.getsize(target) == os.path.getsize(board_image), "and has the image's size")
    os.unlink(target)

    small = make_small_image(args.mkimage, args.workdir)
    for extra, how in (([], "bmaptool"), (["--no-bmap"], "dd")):
        target = os.path.join(args.workdir, "small-target.img")
        # A target holding other, longer data: none of it may survive.
        with open(target, "wb") as f:
            f.write(PATTERN * 2048)
        done = run(["--yes", "--to-regular-file"] + extra + [small, target], args.flash, env)
        check(done.returncode == 0, "writing the small image with %s succeeds" % how)
        check(same_file(small, target),
              "with %s the target is byte-for-byte the image, old data gone" % how)
        os.unlink(target)


def expect_refusal(args, cmd, reason, target=None, env=None, stdin=subprocess.DEVNULL,
                   status=None):
    """Runs flash.sh `cmd`; it must fail with one line on stderr that contains
    `reason`, print nothing on stdout unless it got as far as describing the
    target, and leave `target` as it was."""
    before = None
    if target and os.path.exists(target):
        with open(target, "rb") as f:
            before = f.read()
    done = run(cmd, args.flash, env, stdin)
    lines = done.stderr.strip("\n").splitlines()
    what = "%r refused (%s)" % (" ".join(cmd), reason)
    check(done.returncode != 0 and (status is None or done.returncode == status),
          what + ": non-zero status%s" % ("" if status is None else " %d" % status))
    check(len(lines) == 1 and reason in lines[0] and lines[0].startswith("flash.sh: "),
          what + ": exactly one line on stderr naming the reason")
    if target:
        if before is None:
            check(not os.path.exists(target), what + ": the target was not created")
        else:
            with open(target, "rb") as f:
                check(f.read() == before, what + ": the target is untouched")
    return done


def case_arguments(args):
    small = make_small_image(args.mkimage, args.workdir)
    with open(small, "rb") as f:
        small_sum = hashlib.sha256(f.read()).hexdigest()
    target = os.path.join(args.workdir, "never-written.img")
    env = dict(os.environ, RIVET_BUILD_DIR=args.build_dir)

    not_gpt = os.path.join(args.workdir, "not-gpt.img")
    with open(not_gpt, "wb") as f:
        f.write(PATTERN * 16)
    odd = os.path.join(args.workdir, "odd-size.img")
    with open(small, "rb") as f, open(odd, "wb") as g:
        g.write(f.read() + b"x")
    empty = os.path.join(args.workdir, "empty.img")
    open(empty, "wb").close()
    stale = os.path.join(args.workdir, "stale.img")
    shutil.copy(small, stale)
    with open(stale + ".bmap", "w") as f, open(small + ".bmap") as g:
        f.write(g.read().replace("<ImageSize> %d </ImageSize>" % os.path.getsize(small),
                                 "<ImageSize> 1234 </ImageSize>"))
    a_directory = os.path.join(args.workdir, "a-directory")
    os.makedirs(a_directory, exist_ok=True)

    usage = 2
    cases = [
        ([], "give IMAGE and DEVICE", usage),
        ([small], "give IMAGE and DEVICE", usage),
        ([small, target, "extra"], "give IMAGE and DEVICE", usage),
        (["--frobnicate", small, target], "unknown option '--frobnicate'", usage),
        (["--board"], "--board needs a board name", usage),
        (["--board", "no-such-board", target], "no board 'no-such-board'", usage),
        (["--board", "../tests", target], "no board '../tests'", usage),
        (["--board", args.board, small, target], "with --board give exactly one DEVICE", usage),
        (["--list", target], "--list takes no other arguments", usage),
        ([os.path.join(args.workdir, "missing.img"), target], "does not exist", 1),
        ([empty, target], "is empty", 1),
        ([odd, target], "not a whole number of 512-byte sectors", 1),
        ([not_gpt, target], "is not a GPT disk image", 1),
        ([stale, target], "is for a 1234-byte image", 1),
        (["--to-regular-file", small, a_directory], "is not a regular file", 1),
        (["--to-regular-file", "--yes", small, small], "is the image itself", 1),
        # Without the test-only option a regular file is not a disk.
        (["--yes", small, target], "not a block device lsblk knows", 1),
    ]
    for cmd, reason, status in cases:
        done = expect_refusal(args, cmd, reason, target=target, env=env, status=status)
        check(done.stdout == "", "%r: nothing on stdout" % " ".join(cmd))
    with open(small, "rb") as f:
        check(hashlib.sha256(f.read()).hexdigest() == small_sum,
              "the image is unchanged after the attempt to write it onto itself")


def fake_disk(path, size, rm=1, hotplug=0, ro=0, tran="usb", model="SD Card Reader",
              kind="disk", pkname="", members=None, ancestors=None):
    return path, {"TYPE": kind, "SIZE": str(size), "RM": str(rm), "HOTPLUG": str(hotplug),
                  "RO": str(ro), "TRAN": tran, "MODEL": model, "PKNAME": pkname,
                  "members": members or [path],
                  "ancestors": ancestors or [[path, kind]]}


def write_pattern(path):
    with open(path, "wb") as f:
        f.write(PATTERN)


def answer_on_terminal(flash, cmd, env, answer):
    """Runs flash.sh with a pseudo-terminal as its input and `answer` typed at
    the question; returns (status, everything it printed)."""
    print("$ %s %s   (typing %r on a terminal)" % (flash, " ".join(cmd), answer), flush=True)
    master, slave = pty.openpty()
    proc = subprocess.Popen([flash] + cmd, stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + FLASH_TIMEOUT
    asked = False
    os.set_blocking(proc.stdout.fileno(), False)
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout, master], [], [], 0.5)
        for fd in ready:
            try:
                chunk = os.read(fd if isinstance(fd, int) else fd.fileno(), 65536)
            except OSError:
                chunk = b""
            output += chunk
        # read -p writes its prompt to stderr only on a terminal, here the
        # pty: answer once the prompt has appeared.
        if not asked and b"Type 'yes'" in output:
            os.write(master, answer.encode() + b"\n")
            asked = True
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    rest = proc.stdout.read() or b""
    output += rest
    os.close(master)
    text = output.decode(errors="replace")
    for line in text.splitlines()[-6:]:
        print("  | " + line)
    check(asked, "flash.sh asked before writing")
    return proc.returncode, text


def case_refusals(args):
    small = make_small_image(args.mkimage, args.workdir)
    size = os.path.getsize(small)
    w = os.path.join(args.workdir, "dev")
    os.makedirs(w, exist_ok=True)
    gib = 1 << 30
    card = 16 * gib
    disks = dict([
        fake_disk(w + "/sdb", card, members=[w + "/sdb", w + "/sdb1"]),
        fake_disk(w + "/sdb1", card - 1048576, kind="part", pkname="sdb"),
        fake_disk(w + "/sdc", card, ro=1),
        fake_disk(w + "/sdd", 0, model="Card Reader (empty)"),
        fake_disk(w + "/sde", card, members=[w + "/sde", w + "/sde1"]),
        fake_disk(w + "/sde1", card - 1048576, kind="part", pkname="sde"),
        fake_disk(w + "/sda", 512 * gib, rm=0, tran="sata", model="System SSD",
                  members=[w + "/sda", w + "/sda1", w + "/sda2"]),
        fake_disk(w + "/sda2", 500 * gib, kind="part", pkname="sda",
                  ancestors=[[w + "/sda2", "part"], [w + "/sda", "disk"]]),
        fake_disk(w + "/nvme0n1", 120 * gib, rm=0, tran="nvme", model="Internal disk"),
        fake_disk(w + "/sdf", 512 * gib, model="Big USB disk"),
        fake_disk(w + "/sdg", 1 << 20, model="Tiny card"),
        fake_disk(w + "/sdh", card, model="No such node"),    # no file: not writable
        fake_disk(w + "/mmcblk0", card, rm=0, tran="", model="SD slot (built in)"),
        fake_disk(w + "/sdi", card),
    ])
    # The root file system is on sda2; a partition of sde is mounted.
    db = {"disks": disks, "mounts": [[w + "/sda2", "/"], [w + "/sde1", "/media/me/CARD"]]}
    db_path = os.path.join(args.workdir, "block-db.json")
    with open(db_path, "w") as f:
        json.dump(db, f, indent=1)
    for path in disks:
        if not path.endswith("/sdh"):
            write_pattern(path)
    env = dict(os.environ, FAKE_BLOCK_DB=db_path, PATH=FAKE_BIN + os.pathsep + os.environ["PATH"])
    # The stand-ins must be the ones flash.sh finds.
    check(shutil.which("lsblk", path=env["PATH"]) == os.path.join(FAKE_BIN, "lsblk"),
          "the fake lsblk is first on PATH")

    refusals = [
        (["--yes", small, w + "/nowhere"], "not a block device lsblk knows"),
        (["--yes", small, w + "/sdb1"], "is a partition; give the whole disk (/dev/sdb)"),
        (["--yes", small, w + "/sdc"], "is read-only"),
        (["--yes", small, w + "/sdd"], "has no medium"),
        (["--yes", small, w + "/sde"], "is in use: %s/sde1 on /media/me/CARD" % w),
        (["--yes", "--allow-non-removable", "--allow-large", small, w + "/sda"],
         "holds the running system's root file system"),
        (["--yes", small, w + "/nvme0n1"], "does not report itself as removable"),
        (["--yes", small, w + "/mmcblk0"], "add --allow-non-removable"),
        (["--yes", small, w + "/sdf"], "larger than any card"),
        (["--yes", small, w + "/sdg"], "is smaller than the image"),
        (["--yes", small, w + "/sdh"], "run as root"),
        ([small, w + "/sdi"], "not asking on a non-interactive input; add --yes"),
    ]
    for cmd, reason in refusals:
        expect_refusal(args, cmd, reason, target=cmd[-1], env=env)

    def accepted(cmd, what, answer=None):
        target = cmd[-1]
        write_pattern(target)
        if answer is None:
            done = run(cmd, args.flash, env)
            status, text = done.returncode, done.stdout + done.stderr
        else:
            status, text = answer_on_terminal(args.flash, cmd, env, answer)
        check(status == 0, what + ": succeeds")
        check("model" in text and "transport" in text and "removable" in text,
              what + ": shows model, transport and removable flag")
        with open(target, "rb") as f, open(small, "rb") as g:
            check(f.read(size) == g.read(), what + ": the disk now holds the image")

    accepted(["--yes", "--no-bmap", small, w + "/sdi"], "a removable card with --yes (dd)")
    accepted(["--yes", small, w + "/sdi"], "a removable card with --yes (bmaptool)")
    accepted(["--yes", "--no-bmap", "--allow-non-removable", small, w + "/mmcblk0"],
             "a built-in slot with --allow-non-removable")
    accepted(["--yes", "--no-bmap", "--allow-large", small, w + "/sdf"],
             "a large disk with --allow-large")
    accepted(["--no-bmap", small, w + "/sdi"], "answering yes on a terminal", answer="yes")

    write_pattern(w + "/sdi")
    status, text = answer_on_terminal(args.flash, [small, w + "/sdi"], env, "no")
    check(status != 0 and "not confirmed; nothing was written" in text,
          "answering no on a terminal refuses")
    with open(w + "/sdi", "rb") as f:
        check(f.read() == PATTERN, "answering no leaves the disk untouched")

    done = run(["--list"], args.flash, env)
    listed = [line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()]
    check(done.returncode == 0, "--list succeeds")
    check(w + "/sdb" in listed and w + "/sdi" in listed, "--list shows the removable cards")
    check(w + "/sda" not in listed and w + "/nvme0n1" not in listed and w + "/sdb1" not in listed,
          "--list leaves out fixed disks and partitions")
    check(w + "/sdd" not in listed, "--list leaves out an empty reader")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=("write", "arguments", "refusals"), required=True)
    p.add_argument("--flash", required=True, help="flash.sh")
    p.add_argument("--build-dir", required=True)
    p.add_argument("--board", default="hifive-unleashed")
    p.add_argument("--mkimage", required=True, help="rivet-mkimage")
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    {"write": case_write, "arguments": case_arguments, "refusals": case_refusals}[args.case](args)
    if failures:
        print("FAIL: %d check(s) failed" % len(failures))
        sys.exit(1)
    shutil.rmtree(args.workdir, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
