"""A corrupted disk is survived: no panic, no hang, no damage (issue 11).

A declared list of single-field corruptions of every metadata structure of
the SD image: the superblock, inodes (the root directory, a regular file in
/bin, /dev/console), directory entries, an indirect block, the free-block
bitmap, the log header with a committed record, and the GPT. Each is made
on a private copy of the image and booted with a hard deadline; if a shell
comes up, a few commands run (ls, wc of the damaged file, writes in /tmp),
then the system powers off (from the shell or the kernel monitor).

Most cases are "stamped": the damaged block's checksum is recomputed
(CRC-32C as kernel/fs/format.cc computes it; the GPT's CRC-32s likewise),
so what is tested is the validation behind the checksums, as a buggy
writer would leave the disk. One "raw" case per block kind tests the
checksum path itself.

A case passes if no "PANIC" is printed, the boot reaches a shell prompt or
the kernel monitor (a refused mount) within the deadline, every command
returns to the prompt, power-off works, and no block changed outside what
the commands may legitimately write: the log, the bitmap, the inode table,
/tmp's directory blocks and blocks free in the original bitmap (all other
file-system blocks, the GPT, and the other partitions byte-identical).
Stamped blocks are checked against rivet-fsck (it must not report a
checksum mismatch for them).

usage: test_corrupt.py <rivet_system args> --fsck PATH --group NAME
"""
import argparse
import os
import re
import struct
import subprocess
import time
import uuid
import zlib

import rivet_system
from rivet_qemu import Qemu, ConsoleTimeout, run_test

BLOCK = 4096
SECTOR = 512
ROOT_TYPE = "B2A45E6C-0F3A-4B8E-9C1D-524956455446"
SB_KEYS = ["magic", "version", "block_size", "size", "nblocks", "ninodes", "nlog", "logstart",
           "inodestart", "ninodeblocks", "bmapstart", "nbmapblocks", "datastart"]
# BlockKind in kernel/fs/format.h
SUPER, INODE, BITMAP, DIRECTORY, INDIRECT = 1, 2, 3, 4, 5
LOG = 6
BOOT_DEADLINE = 60     # seconds to a shell prompt or the monitor
SESSION_DEADLINE = 150  # the whole boot, commands and power-off

# ---- CRC-32C, as kernel/fs/format.cc ------------------------------------------


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c_extend(crc, data):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ CRC_TABLE[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


def crc32c(data):
    return crc32c_extend(0, data)


assert crc32c(b"123456789") == 0xE3069283


def never_zero(crc):
    return crc or 1


def block_checksum(kind, blockno, block):
    return never_zero(crc32c_extend(crc32c(struct.pack("<II", kind, blockno)), block[:BLOCK - 4]))


def superblock_checksum(sb_bytes):
    return never_zero(crc32c_extend(crc32c(struct.pack("<II", SUPER, 1)), sb_bytes[:124]))


def log_header_checksum(header):
    magic, count, sequence = struct.unpack_from("<III", header, 0)
    n = min(count, 510)
    crc = crc32c(header[:12])
    crc = crc32c_extend(crc, header[16:16 + 4 * n])
    crc = crc32c_extend(crc, header[16 + 2040:16 + 2040 + 4 * n])
    return never_zero(crc)


def log_slot_checksum(home, block):
    return never_zero(crc32c_extend(crc32c(struct.pack("<II", LOG, home)), block))


# ---- the disk ------------------------------------------------------------------


def gpt_entries(disk, header_lba=1):
    with open(disk, "rb") as f:
        f.seek(header_lba * SECTOR)
        header = f.read(92)
        entries_lba, count, size = struct.unpack_from("<QII", header, 72)
        f.seek(entries_lba * SECTOR)
        table = f.read(count * size)
    return entries_lba, count, size, table


def partitions(disk):
    """(type GUID text, first byte, end byte) of every used GPT entry."""
    _, count, size, table = gpt_entries(disk)
    out = []
    for i in range(count):
        e = table[i * size:(i + 1) * size]
        if e[:16] == bytes(16):
            continue
        first, last = struct.unpack_from("<QQ", e, 32)
        out.append((str(uuid.UUID(bytes_le=e[:16])).upper(), first * SECTOR, (last + 1) * SECTOR, i))
    return out


class Fs:
    """Reads and damages the root file system of a disk image."""

    def __init__(self, disk):
        self.disk = disk
        self.patched = set()   # file-system blocks patch() changed
        root = [p for p in partitions(disk) if p[0] == ROOT_TYPE]
        assert root, "no Rivet root partition in " + disk
        self.base, self.end, self.entry_index = root[0][1], root[0][2], root[0][3]
        self.sb = dict(zip(SB_KEYS, struct.unpack("<13I", self.read(1)[:52])))
        assert self.sb["version"] == 2, self.sb

    def read(self, block):
        with open(self.disk, "rb") as f:
            f.seek(self.base + block * BLOCK)
            return f.read(BLOCK)

    def write(self, block, data):
        assert len(data) == BLOCK
        with open(self.disk, "r+b") as f:
            f.seek(self.base + block * BLOCK)
            f.write(data)

    # inodes: type, major, minor, nlink (u16), size (u64), addrs[15] (u32)
    def inode_place(self, inum):
        return self.sb["inodestart"] + inum // 32, (inum % 32) * 128

    def inode(self, inum):
        block, off = self.inode_place(inum)
        data = self.read(block)
        t, major, minor, nlink, size = struct.unpack_from("<HHHHQ", data, off)
        addrs = list(struct.unpack_from("<15I", data, off + 16))
        return {"type": t, "major": major, "nlink": nlink, "size": size, "addrs": addrs}

    def dir_blocks(self, inum):
        ino = self.inode(inum)
        n = (ino["size"] + BLOCK - 1) // BLOCK
        assert n <= 12, "test directories use direct blocks only"
        return ino["addrs"][:n]

    def entries(self, inum):
        """(block, offset, inum, name) of every used entry of a directory."""
        out = []
        for b in self.dir_blocks(inum):
            data = self.read(b)
            for k in range(63):
                n, = struct.unpack_from("<I", data, k * 64)
                if n:
                    out.append((b, k * 64, n, data[k * 64 + 4:k * 64 + 64].rstrip(b"\0").decode()))
        return out

    def lookup(self, path):
        inum = 1
        for part in path.strip("/").split("/"):
            found = [e for e in self.entries(inum) if e[3] == part]
            assert found, "no %s on the image" % path
            inum = found[0][2]
        return inum

    def entry(self, path):
        parent, name = path.rsplit("/", 1)
        found = [e for e in self.entries(self.lookup(parent) if parent else 1) if e[3] == name]
        assert found, "no entry for " + path
        return found[0]

    def free_inode(self):
        for inum in range(2, self.sb["ninodes"]):
            if self.inode(inum)["type"] == 0:
                return inum
        raise AssertionError("no free inode")

    def bitmap_free(self):
        free = set()
        for i in range(self.sb["nbmapblocks"]):
            data = self.read(self.sb["bmapstart"] + i)
            for byte in range(BLOCK - 4):
                if data[byte] != 0xFF:
                    for bit in range(8):
                        if not data[byte] >> bit & 1:
                            b = (i * (BLOCK - 4) + byte) * 8 + bit
                            if b < self.sb["size"]:
                                free.add(b)
        return free

    # damage ----------------------------------------------------------------
    def patch(self, block, offset, fmt, value, kind, stamped):
        self.patched.add(block)
        data = bytearray(self.read(block))
        if isinstance(value, bytes):
            data[offset:offset + len(value)] = value
        else:
            struct.pack_into(fmt, data, offset, value)
        if stamped:
            self.restamp(data, block, kind)
        self.write(block, bytes(data))

    def restamp(self, data, block, kind):
        if kind == SUPER:
            struct.pack_into("<I", data, 124, superblock_checksum(bytes(data)))
        elif kind == LOG:
            struct.pack_into("<I", data, 12, 0)
            struct.pack_into("<I", data, 12, log_header_checksum(bytes(data)))
        else:
            struct.pack_into("<I", data, BLOCK - 4, block_checksum(kind, block, bytes(data)))


# ---- the cases -------------------------------------------------------------------
# Each case: (name, group, function(fs, stamped)). Names ending in ".raw"
# leave the checksum stale; the others recompute it.

USED = {"ls", "wc", "sh", "mkdir", "init", "cat", "echo", "poweroff"}


def sb_field(key, value):
    def apply(fs, stamped):
        v = value(fs.sb) if callable(value) else value
        fs.patch(1, SB_KEYS.index(key) * 4, "<I", v & 0xFFFFFFFF, SUPER, stamped)
    return apply


def sb_swap(a, b):
    def apply(fs, stamped):
        fs.patch(1, SB_KEYS.index(a) * 4, "<I", fs.sb[b], SUPER, False)
        fs.patch(1, SB_KEYS.index(b) * 4, "<I", fs.sb[a], SUPER, stamped)
    return apply


INODE_FIELDS = {"type": (0, "<H"), "major": (2, "<H"), "nlink": (6, "<H"), "size": (8, "<Q")}


def inode_field(path, field, value):
    def apply(fs, stamped):
        inum = fs.lookup(path) if path != "/" else 1
        block, off = fs.inode_place(inum)
        v = value(fs) if callable(value) else value
        if field.startswith("addrs"):
            fs.patch(block, off + 16 + 4 * int(field[6:-1]), "<I", v, INODE, stamped)
        else:
            rel, fmt = INODE_FIELDS[field]
            fs.patch(block, off + rel, fmt, v, INODE, stamped)
    return apply


def dirent(path, value, name=False):
    def apply(fs, stamped):
        block, off, _, _ = fs.entry(path)
        v = value(fs) if callable(value) else value
        if name:
            fs.patch(block, off + 4, None, v, DIRECTORY, stamped)
        else:
            fs.patch(block, off, "<I", v, DIRECTORY, stamped)
    return apply


def indirect(index, value):
    def apply(fs, stamped):
        block = fs.inode(fs.lookup(fs.big))["addrs"][12]
        fs.patch(block, 4 * index, "<I", value(fs) if callable(value) else value, INDIRECT, stamped)
    return apply


def bitmap(fill):
    def apply(fs, stamped):
        block = fs.sb["bmapstart"]
        fs.patch(block, 0, None, bytes([fill]) * (BLOCK - 4), BITMAP, stamped)
    return apply


def bitmap_flip(fs, stamped):
    block = fs.sb["bmapstart"]
    data = fs.read(block)
    fs.patch(block, 0, None, bytes([data[0] ^ 0x04]), BITMAP, stamped)


def log_record(homes, count=None, slot=None, good_sum=True):
    """A committed log header naming `homes`; slot i holds `slot` (default:
    zeros) with a matching per-slot checksum unless good_sum is False."""
    def apply(fs, stamped):
        start = fs.sb["logstart"]
        header = bytearray(BLOCK)
        hs = [h(fs) if callable(h) else h for h in homes]
        n = len(hs) if count is None else count
        struct.pack_into("<III", header, 0, 0x474f4c52, n, 7)
        for i, h in enumerate(hs):
            content = slot or bytes(BLOCK)
            fs.write(start + 1 + i, content)
            struct.pack_into("<I", header, 16 + 4 * i, h)
            s = log_slot_checksum(h, content) if good_sum else 0x12345678
            struct.pack_into("<I", header, 16 + 2040 + 4 * i, s)
        if stamped:
            fs.restamp(header, start, LOG)
        fs.write(start, bytes(header))
    return apply


def gpt_entry_field(offset, value, copies=(1,)):
    """Sets a field of the root partition's entry in the primary (1) and/or
    backup (-1) table; stamped recomputes the entries CRC and header CRC."""
    def apply(fs, stamped):
        with open(fs.disk, "r+b") as f:
            f.seek(0, 2)
            last = f.tell() // SECTOR - 1
            for which in copies:
                hlba = 1 if which == 1 else last
                f.seek(hlba * SECTOR)
                header = bytearray(f.read(SECTOR))
                elba, count, size = struct.unpack_from("<QII", header, 72)
                f.seek(elba * SECTOR)
                table = bytearray(f.read(count * size))
                v = value(fs) if callable(value) else value
                struct.pack_into("<Q", table, fs.entry_index * size + offset, v)
                f.seek(elba * SECTOR)
                f.write(table)
                if stamped:
                    struct.pack_into("<I", header, 88, zlib.crc32(bytes(table)))
                    hsize, = struct.unpack_from("<I", header, 12)
                    struct.pack_into("<I", header, 16, 0)
                    struct.pack_into("<I", header, 16, zlib.crc32(bytes(header[:hsize])))
                    f.seek(hlba * SECTOR)
                    f.write(header)
    return apply


def gpt_header_crc(fs, stamped):
    with open(fs.disk, "r+b") as f:
        f.seek(SECTOR + 16)
        crc, = struct.unpack("<I", f.read(4))
        f.seek(SECTOR + 16)
        f.write(struct.pack("<I", crc ^ 1))


def disk_sectors(fs):
    with open(fs.disk, "rb") as f:
        f.seek(0, 2)
        return f.tell() // SECTOR


BIG = 0xFFFFFFFF
CASES = [
    # superblock: identity and counts; then the layout (sblayout)
    ("sb.magic=0", "superblock", sb_field("magic", 0)),
    ("sb.version=1", "superblock", sb_field("version", 1)),
    ("sb.version=3", "superblock", sb_field("version", 3)),
    ("sb.block_size=512", "superblock", sb_field("block_size", 512)),
    ("sb.size=0", "superblock", sb_field("size", 0)),
    ("sb.size=max", "superblock", sb_field("size", BIG)),
    ("sb.size+1", "superblock", sb_field("size", lambda sb: sb["size"] + 1)),
    ("sb.nblocks=0", "sbcounts", sb_field("nblocks", 0)),
    ("sb.nblocks+1", "sbcounts", sb_field("nblocks", lambda sb: sb["nblocks"] + 1)),
    ("sb.ninodes=0", "sbcounts", sb_field("ninodes", 0)),
    ("sb.ninodes=max", "sbcounts", sb_field("ninodes", BIG)),
    ("sb.nlog=0", "sbcounts", sb_field("nlog", 0)),
    ("sb.nlog=max", "sbcounts", sb_field("nlog", BIG)),
    ("sb.logstart=0", "sblayout", sb_field("logstart", 0)),
    ("sb.logstart+1", "sblayout", sb_field("logstart", lambda sb: sb["logstart"] + 1)),
    ("sb.inodestart=1", "sblayout", sb_field("inodestart", 1)),
    ("sb.inodestart-1", "sblayout", sb_field("inodestart", lambda sb: sb["inodestart"] - 1)),
    ("sb.bmapstart=max", "sblayout", sb_field("bmapstart", BIG)),
    ("sb.bmapstart+1", "sblayout", sb_field("bmapstart", lambda sb: sb["bmapstart"] + 1)),
    ("sb.datastart-1", "sblayout", sb_field("datastart", lambda sb: sb["datastart"] - 1)),
    ("sb.swap(inodestart,bmapstart)", "sblayout", sb_swap("inodestart", "bmapstart")),
    ("sb.reserved=1", "sblayout", lambda fs, stamped: fs.patch(1, 60, "<I", 1, SUPER, stamped)),
    ("sb.size=0.raw", "sblayout", sb_field("size", 0)),
    # the root directory's inode
    ("root.type=0", "rootinode", inode_field("/", "type", 0)),
    ("root.type=file", "rootinode", inode_field("/", "type", 2)),
    ("root.type=7", "rootinode", inode_field("/", "type", 7)),
    ("root.nlink=0", "rootinode", inode_field("/", "nlink", 0)),
    ("root.size=huge", "rootinode", inode_field("/", "size", 1 << 42)),
    ("root.size=1", "rootinode", inode_field("/", "size", 1)),
    ("root.size=0", "rootinode", inode_field("/", "size", 0)),
    ("root.addrs[0]=0", "rootaddrs", inode_field("/", "addrs[0]", 0)),
    ("root.addrs[0]=superblock", "rootaddrs", inode_field("/", "addrs[0]", 1)),
    ("root.addrs[0]=beyond", "rootaddrs", inode_field("/", "addrs[0]", lambda fs: fs.sb["size"] + 5)),
    ("root.addrs[0]=bitmap", "rootaddrs", inode_field("/", "addrs[0]", lambda fs: fs.sb["bmapstart"])),
    ("root.indirect=log+size", "rootaddrs", lambda fs, stamped: (
        inode_field("/", "addrs[12]", lambda fs: fs.sb["logstart"])(fs, False),
        inode_field("/", "size", 13 * BLOCK)(fs, stamped))),
    ("root.indirect=max+size", "rootaddrs", lambda fs, stamped: (
        inode_field("/", "addrs[12]", BIG)(fs, False),
        inode_field("/", "size", 13 * BLOCK)(fs, stamped))),
    ("root.type=0.raw", "rootinode", inode_field("/", "type", 0)),
    # a regular file in /bin, and /dev/console
    ("file.size=huge", "fileinode", lambda fs, st: inode_field(fs.small, "size", 1 << 62)(fs, st)),
    ("file.addrs[0]=log", "fileinode",
     lambda fs, st: inode_field(fs.small, "addrs[0]", fs.sb["logstart"] + 1)(fs, st)),
    ("file.addrs[0]=inodes", "fileinode",
     lambda fs, st: inode_field(fs.small, "addrs[0]", fs.sb["inodestart"])(fs, st)),
    ("file.addrs[0]=beyond", "fileinode", lambda fs, st: inode_field(fs.small, "addrs[0]", BIG)(fs, st)),
    ("file.addrs[0]=0", "fileinode", lambda fs, st: inode_field(fs.small, "addrs[0]", 0)(fs, st)),
    ("file.type=0", "fileinode", lambda fs, st: inode_field(fs.small, "type", 0)(fs, st)),
    ("file.type=dir", "fileinode2", lambda fs, st: inode_field(fs.small, "type", 1)(fs, st)),
    ("file.nlink=0", "fileinode2", lambda fs, st: inode_field(fs.small, "nlink", 0)(fs, st)),
    ("file.big.indirect=superblock", "fileinode2",
     lambda fs, st: inode_field(fs.big, "addrs[12]", 1)(fs, st)),
    ("console.major=max", "fileinode2", inode_field("/dev/console", "major", 0xFFFF)),
    ("console.major=99", "fileinode2", inode_field("/dev/console", "major", 99)),
    ("console.type=file", "fileinode2", inode_field("/dev/console", "type", 2)),
    ("file.size=huge.raw", "fileinode", lambda fs, st: inode_field(fs.small, "size", 1 << 62)(fs, st)),
    # directory entries
    ("dirent.inum=0", "dirent", lambda fs, st: dirent(fs.small, 0)(fs, st)),
    ("dirent.inum=ninodes", "dirent", lambda fs, st: dirent(fs.small, fs.sb["ninodes"])(fs, st)),
    ("dirent.inum=max", "dirent", lambda fs, st: dirent(fs.small, BIG)(fs, st)),
    ("dirent.inum=free", "dirent", lambda fs, st: dirent(fs.small, fs.free_inode())(fs, st)),
    ("dirent.name=noNUL", "dirent", lambda fs, st: dirent(fs.small, b"A" * 60, name=True)(fs, st)),
    ("dirent.tmp=file", "dirent", lambda fs, st: dirent("/tmp", fs.lookup(fs.small))(fs, st)),
    ("dirent.inum=max.raw", "dirent", lambda fs, st: dirent(fs.small, BIG)(fs, st)),
    # an indirect block (of the largest program in /bin)
    ("indirect[0]=max", "indirect", indirect(0, BIG)),
    ("indirect[0]=superblock", "indirect", indirect(0, 1)),
    ("indirect[0]=size", "indirect", indirect(0, lambda fs: fs.sb["size"])),
    ("indirect[1]=inodes", "indirect", indirect(1, lambda fs: fs.sb["inodestart"])),
    ("indirect[0]=max.raw", "indirect", indirect(0, BIG)),
    # the free-block bitmap
    ("bitmap=zeros", "bitmap", bitmap(0)),
    ("bitmap=ones", "bitmap", bitmap(0xFF)),
    ("bitmap.flip.raw", "bitmap", bitmap_flip),
    # the log: a committed record on disk at boot
    ("log.count=huge", "log", log_record([lambda fs: fs.sb["datastart"]], count=BIG)),
    ("log.count=511", "log", log_record([lambda fs: fs.sb["datastart"]], count=511)),
    ("log.home=superblock", "log", log_record([1])),
    ("log.home=logheader", "log", log_record([lambda fs: fs.sb["logstart"]])),
    ("log.home=beyond", "log", log_record([lambda fs: fs.sb["size"]])),
    ("log.home=bitmap.badslot", "log", log_record([lambda fs: fs.sb["bmapstart"]], good_sum=False)),
    ("log.home=superblock.raw", "log", log_record([1])),
    # the GPT
    ("gpt.header_crc.raw", "gpt", gpt_header_crc),
    ("gpt.root.first_lba=max", "gpt", gpt_entry_field(32, (1 << 64) - 1)),
    ("gpt.root.last_lba=beyond", "gpt", gpt_entry_field(40, lambda fs: disk_sectors(fs))),
    ("gpt.root.first_lba=0.raw", "gpt", gpt_entry_field(32, 0)),
    ("gpt.both.last_lba=beyond", "gpt", gpt_entry_field(40, lambda fs: disk_sectors(fs), copies=(1, -1))),
    ("gpt.both.first_lba=1", "gpt", gpt_entry_field(32, 1, copies=(1, -1))),
]

GROUPS = sorted(set(c[1] for c in CASES))

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--fsck", required=True)
p.add_argument("--group", required=True, choices=GROUPS + ["all"])
p.add_argument("--case", default=None, help="run only the cases whose name contains this")
p.add_argument("--per-group", type=int, default=0,
               help="run only the first N cases of the group (0: all); RIVET_CORRUPT_ALL=1 overrides it")
args = p.parse_args()


def pick_programs(fs):
    """A small program and one with an indirect block, neither used by the
    commands below."""
    small = big = None
    best = 0
    for _, _, inum, name in fs.entries(fs.lookup("/bin")):
        if name in USED or name in (".", ".."):
            continue
        ino = fs.inode(inum)
        if ino["type"] != 2:
            continue
        if ino["addrs"][12] and ino["size"] > best:
            big, best = "/bin/" + name, ino["size"]
        if small is None or name == "true":
            small = "/bin/" + name
    assert small and big, "no suitable programs in /bin"
    return small, big


def allowed_blocks(fs):
    """The file-system blocks the commands may legitimately write."""
    sb = fs.sb
    allowed = set(range(sb["logstart"], sb["logstart"] + sb["nlog"]))
    allowed |= set(range(sb["inodestart"], sb["inodestart"] + sb["ninodeblocks"]))
    allowed |= set(range(sb["bmapstart"], sb["bmapstart"] + sb["nbmapblocks"]))
    allowed |= set(fs.dir_blocks(fs.lookup("/tmp")))
    # The interactive shell appends each command to /.sh_history: the root
    # directory gets that file's entry (its inode and data are counted above).
    allowed |= set(fs.dir_blocks(1))  # inode 1 is the root
    allowed |= fs.bitmap_free()
    return allowed


def changed_ranges(a_path, b_path):
    """Byte offsets of every 512-byte sector that differs."""
    out = []
    chunk = 1 << 20
    with open(a_path, "rb") as a, open(b_path, "rb") as b:
        pos = 0
        while True:
            x, y = a.read(chunk), b.read(chunk)
            if not x and not y:
                break
            if x != y:
                for s in range(0, max(len(x), len(y)), SECTOR):
                    if x[s:s + SECTOR] != y[s:s + SECTOR]:
                        out.append(pos + s)
            pos += chunk
    return out


def fsck_bad_checksums(disk):
    r = subprocess.run([args.fsck, disk], capture_output=True, text=True)
    return set(int(m) for m in re.findall(r"block (\d+) \([^)]*\): checksum mismatch", r.stdout))


SHELL_COMMANDS = ["ls /", "ls /bin", "wc {small}", "wc {big}", "ls /dev", "echo x > /tmp/t",
                  "mkdir /tmp/d", "cat /tmp/t", "ls /tmp"]


def run_case(name, apply, orig, small, big, allowed):
    stamped = not name.endswith(".raw")
    disk = rivet_system.fresh_disk(args, "case.img")
    fs = Fs(disk)
    fs.sb = orig.sb            # the geometry of the undamaged image
    fs.small, fs.big = small, big
    apply(fs, stamped)
    if stamped and not name.startswith(("gpt.", "log.")):
        # Only the restamped blocks: fsck may rightly call other blocks bad
        # (a file turned directory makes its data blocks directory blocks).
        bad = fsck_bad_checksums(disk) & fs.patched
        assert not bad, "%s: a restamped block fails rivet-fsck's checksum check: %s" % (name, sorted(bad))
    elif fs.patched and not name.startswith("log."):
        # The control: fsck does see a raw change (so the check above can fail).
        missed = fs.patched - fsck_bad_checksums(disk) - {1}
        assert not missed, "%s: rivet-fsck does not see the raw change in %s" % (name, sorted(missed))
    pre = disk + ".pre"
    subprocess.run(["cp", "--sparse=always", disk, pre], check=True)
    log = "%s.%s" % (args.log, name)
    started = time.monotonic()
    outcome = ""
    problems = []
    with Qemu(rivet_system.qemu_command(args, disk), log_path=log, deadline=SESSION_DEADLINE) as q:
        try:
            m = q.expect(r"\*\*\* PANIC|rivet> |init: starting /bin/sh[\s\S]*?^[/.]\S* \$ ", timeout=BOOT_DEADLINE)
            if "PANIC" in m.group(0):
                raise AssertionError("panic")
            if m.group(0) == "rivet> ":
                outcome = "monitor"
                q.send("poweroff\r")
                q.expect(r"rivet: powering off", timeout=30)
            else:
                outcome = "shell"
                for c in SHELL_COMMANDS:
                    rivet_system.run(q, c.format(small=small, big=big), timeout=30)
                    assert "PANIC" not in q.output, "panic after %r" % c
                q.send("poweroff\r")
                m = q.expect(r"rivet: powering off|poweroff: [^\n]*", timeout=30)
                if "powering off" not in m.group(0):
                    problems.append("poweroff failed (%s)" % m.group(0))
            if not problems:
                status = q.wait_exit(timeout=30)
                assert status == 0, "QEMU exited with status %s" % status
            assert "PANIC" not in q.output, "panic"
        except (AssertionError, ConsoleTimeout) as e:
            raise AssertionError("%s: %s (console: %s)\nconsole tail:\n%s"
                                 % (name, str(e).splitlines()[0], log, q.output[-2500:]))
        notes = sorted(set(re.findall(r"fs: checksum mismatch in block \d+ \([a-z ]+\)|"
                                      r"rivet: cannot mount[^\n]*|no usable GPT[^\n]*|"
                                      r"primary GPT damaged|rivet: no root file system[^\n]*|fs: bitmap block[^\n]*|"
                                      r"fs: [^\n]*(?:corrupt|invalid|bad|refus|not mounting)[^\n]*", q.output)))
        tail = q.output[-1500:]
    bad = []
    for off in changed_ranges(pre, disk):
        if orig.base <= off < orig.end:
            block = (off - orig.base) // BLOCK
            if block in allowed:
                continue
            bad.append("fs block %d" % block)
        else:
            bad.append("sector %d (outside the root file system)" % (off // SECTOR))
    if bad:
        problems.append("changed: %s" % sorted(set(bad))[:20])
    assert not problems, "%s: %s (console: %s)\nconsole tail:\n%s" % (name, "; ".join(problems), log, tail)
    print("ok   %-34s %-8s %4.1fs  %s" % (name, outcome, time.monotonic() - started, "; ".join(notes)[:150]),
          flush=True)


def main():
    orig_disk = rivet_system.fresh_disk(args, "orig.img")
    orig = Fs(orig_disk)
    small, big = pick_programs(orig)
    allowed = allowed_blocks(orig)
    print("geometry %s; small %s, big %s" % (orig.sb, small, big), flush=True)
    failures = []
    limit = 0 if os.environ.get("RIVET_CORRUPT_ALL") else args.per_group
    taken = {}
    for name, group, apply in CASES:
        if args.group not in ("all", group) or (args.case and args.case not in name):
            continue
        if limit and taken.get(group, 0) >= limit:
            continue
        taken[group] = taken.get(group, 0) + 1
        try:
            run_case(name, apply, orig, small, big, allowed)
        except AssertionError as e:
            print("FAIL %s" % e, flush=True)
            failures.append(name)
    assert not failures, "%d cases failed: %s" % (len(failures), ", ".join(failures))


run_test(main)
