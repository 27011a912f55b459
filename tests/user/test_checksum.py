"""A card that goes bad is detected, not believed (metadata checksums).

On a private copy of the SD image, read and damaged with rivet_image (the
harness's reader of the format, kernel/fs/format.h):
  1. one byte of /tmp's directory block is flipped. Booted, `ls /tmp` fails
     with EIO, twice; the console names the block once ("checksum mismatch
     in block N (directory block)") and says the file system is read-only;
     creating a file, mkdir and rm fail with EROFS; reading the rest works;
     poweroff is clean, and rivet-fsck names the same block.
  2. the free-block bitmap is zeroed (finding 5: the allocator used to hand
     out blocks in use). The mount says read-only, mkdir fails with EROFS,
     the system still works for reading and powers off; no block of the
     file system changed. rivet-fsck --repair rebuilds the bitmap, and the
     next boot can write again.
"""
import argparse
import re
import subprocess

import rivet_system
from rivet_image import BLOCK, Image
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--fsck", required=True)
args = p.parse_args()


def fsck(disk, *options):
    return subprocess.run([args.fsck] + list(options) + [disk], capture_output=True, text=True)


def damaged_directory():
    disk = rivet_system.fresh_disk(args, "dirblock.img")
    fs = Image(disk)
    block = fs.inode(fs.lookup("/tmp"))["addrs"][0]
    fs.patch(block, 100, None, bytes([fs.read(block)[100] ^ 0x20]))
    message = r"fs: checksum mismatch in block %d \(directory block\)" % block
    with rivet_system.boot(args, disk, log_path=args.log + ".dir") as q:
        for _ in range(2):
            out = rivet_system.run(q, "ls /tmp")
            assert "EIO" in out, "ls /tmp printed %r" % out
        assert len(re.findall(message, q.output)) == 1, "the block is not reported once:\n" + q.output
        assert re.search(message + r".*read-only", q.output), q.output
        for command in ["echo x > /new", "mkdir /newdir", "rm /bin/true"]:
            out = rivet_system.run(q, command)
            assert "EROFS" in out, "%r printed %r" % (command, out)
        out = rivet_system.run(q, "ls /bin | wc")
        assert re.search(r"^\d+ \d+ \d+", out.strip()), out
        out = rivet_system.run(q, "echo still reading | grep read")
        assert "still reading" in out, out
        assert "panic" not in q.output
        rivet_system.power_off(q)
    r = fsck(disk)
    assert r.returncode == 1 and "block %d (directory block): checksum mismatch" % block in r.stdout, r.stdout


def zeroed_bitmap():
    disk = rivet_system.fresh_disk(args, "bitmap.img")
    fs = Image(disk)
    bitmap = fs.sb["bmapstart"]
    fs.write(bitmap, bytes(BLOCK))
    before = fs.snapshot()
    with rivet_system.boot(args, disk, log_path=args.log + ".bitmap") as q:
        assert re.search(r"fs: checksum mismatch in block %d \(bitmap block\): the file system is read-only"
                         % bitmap, q.output), q.output
        assert re.search(r"fs: mounted \S+ read-only", q.output), q.output
        out = rivet_system.run(q, "mkdir /tmp/d")
        assert "EROFS" in out, out
        out = rivet_system.run(q, "ls /bin | wc")
        assert re.search(r"^\d+ \d+ \d+", out.strip()), out
        rivet_system.power_off(q)
    after = fs.snapshot()
    changed = [b for b in range(fs.sb["size"])
               if before[b * BLOCK:(b + 1) * BLOCK] != after[b * BLOCK:(b + 1) * BLOCK]]
    assert not changed, "blocks changed on a read-only file system: %s" % changed[:20]
    r = fsck(disk, "--repair")
    assert r.returncode == 0 and "rebuilt the free-block bitmap" in r.stdout, r.stdout + r.stderr
    with rivet_system.boot(args, disk, log_path=args.log + ".repaired") as q:
        out = rivet_system.run(q, "mkdir /tmp/d; echo back > /tmp/d/f; cat /tmp/d/f")
        assert "back" in out, out
        rivet_system.power_off(q)
    r = fsck(disk)
    assert r.returncode == 0, r.stdout


def main():
    damaged_directory()
    zeroed_bitmap()


run_test(main)
