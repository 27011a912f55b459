"""A card that goes bad is detected, not believed (metadata checksums).

On a private copy of the SD image, with a Python helper that understands
just enough of the format (kernel/fs/format.h):
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
import struct
import subprocess
import uuid

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--fsck", required=True)
args = p.parse_args()

BLOCK = 4096
ROOT_TYPE = "B2A45E6C-0F3A-4B8E-9C1D-524956455446"
SB_KEYS = ["magic", "version", "block_size", "size", "nblocks", "ninodes", "nlog", "logstart",
           "inodestart", "ninodeblocks", "bmapstart", "nbmapblocks", "datastart"]


def root_partition_offset(disk):
    """The byte offset of the Rivet root partition, from the GPT."""
    with open(disk, "rb") as f:
        f.seek(512)
        header = f.read(92)
        entries_lba, count, size = struct.unpack_from("<QII", header, 72)
        f.seek(entries_lba * 512)
        table = f.read(count * size)
    want = uuid.UUID(ROOT_TYPE).bytes_le
    for i in range(count):
        entry = table[i * size:(i + 1) * size]
        if entry[:16] == want:
            return struct.unpack_from("<Q", entry, 32)[0] * 512
    raise AssertionError("no Rivet root partition in " + disk)


class Fs:
    def __init__(self, disk):
        self.disk = disk
        self.base = root_partition_offset(disk)
        self.sb = dict(zip(SB_KEYS, struct.unpack("<13I", self.read(1)[:52])))
        assert self.sb["version"] == 2, self.sb

    def read(self, block):
        with open(self.disk, "rb") as f:
            f.seek(self.base + block * BLOCK)
            return f.read(BLOCK)

    def snapshot(self):
        with open(self.disk, "rb") as f:
            f.seek(self.base)
            return f.read(self.sb["size"] * BLOCK)

    def write(self, block, data):
        assert len(data) == BLOCK
        with open(self.disk, "r+b") as f:
            f.seek(self.base + block * BLOCK)
            f.write(data)

    def inode_addr0(self, inum):
        data = self.read(self.sb["inodestart"] + inum // 32)
        # type, major, minor, nlink (4 x u16), size (u64), addrs[15]
        return struct.unpack_from("<I", data, (inum % 32) * 128 + 16)[0]

    def lookup_root(self, name):
        data = self.read(self.inode_addr0(1))
        for k in range(63):
            inum, = struct.unpack_from("<I", data, k * 64)
            entry = data[k * 64 + 4:k * 64 + 64].rstrip(b"\0").decode()
            if inum and entry == name:
                return inum
        raise AssertionError("no /%s in the root directory" % name)


def fsck(disk, *options):
    return subprocess.run([args.fsck] + list(options) + [disk], capture_output=True, text=True)


def damaged_directory():
    disk = rivet_system.fresh_disk(args, "dirblock.img")
    fs = Fs(disk)
    block = fs.inode_addr0(fs.lookup_root("tmp"))
    data = bytearray(fs.read(block))
    data[100] ^= 0x20
    fs.write(block, bytes(data))
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
    fs = Fs(disk)
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
