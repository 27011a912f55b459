"""A corrupted disk is survived: no panic, no hang, no damage (issue 11).

A declared list of single-field corruptions of every metadata structure of
the SD image: the superblock, inodes (the root directory, a regular file in
/bin, /dev/console), directory entries, an indirect block, the free-block
bitmap, the log header with a committed record, and the GPT. Each is made
on a private copy of the image and booted with a hard deadline; if a shell
comes up, a few commands run (ls, wc of the damaged file, writes in /tmp),
then the system powers off (from the shell or the kernel monitor).

Most cases are "stamped": the damaged block's checksum is recomputed
(rivet_image's CRC-32C, as kernel/fs/format.cc computes it; the GPT's
CRC-32s likewise),
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

import rivet_system
from rivet_image import (BITMAP, BITMAP_BYTES, BLOCK, DIRECTORY, GPT_FIRST_LBA, GPT_HEADER_CRC, GPT_LAST_LBA,
                         INDIRECT, INODE, INODE_ADDRS, INODE_FIELDS, LOG, LOG_BLOCKS, LOG_MAGIC, LOG_SUMS, SB_KEYS,
                         SB_RESERVED, SECTOR, SINGLE_SLOT, SUPER, T_DIR, T_FILE, Image, disk_sectors, gpt_read,
                         gpt_restamp, log_slot_checksum, stamp)
from rivet_qemu import Qemu, ConsoleTimeout, run_test

BOOT_DEADLINE = 60     # seconds to a shell prompt or the monitor
SESSION_DEADLINE = 150  # the whole boot, commands and power-off


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


def inode_field(path, field, value):
    def apply(fs, stamped):
        inum = fs.lookup(path) if path != "/" else 1
        block, off = fs.inode_place(inum)
        v = value(fs) if callable(value) else value
        if field.startswith("addrs"):
            fs.patch(block, off + INODE_ADDRS + 4 * int(field[6:-1]), "<I", v, INODE, stamped)
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
        block = fs.inode(fs.lookup(fs.big))["addrs"][SINGLE_SLOT]
        fs.patch(block, 4 * index, "<I", value(fs) if callable(value) else value, INDIRECT, stamped)
    return apply


def bitmap(fill):
    def apply(fs, stamped):
        block = fs.sb["bmapstart"]
        fs.patch(block, 0, None, bytes([fill]) * BITMAP_BYTES, BITMAP, stamped)
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
        struct.pack_into("<III", header, 0, LOG_MAGIC, n, 7)
        for i, h in enumerate(hs):
            content = slot or bytes(BLOCK)
            fs.write(start + 1 + i, content)
            struct.pack_into("<I", header, LOG_BLOCKS + 4 * i, h)
            s = log_slot_checksum(h, content) if good_sum else 0x12345678
            struct.pack_into("<I", header, LOG_SUMS + 4 * i, s)
        if stamped:
            stamp(header, start, LOG)
        fs.write(start, bytes(header))
    return apply


def gpt_entry_field(offset, value, copies=(1,)):
    """Sets a field of the root partition's entry in the primary (1) and/or
    backup (-1) table; stamped recomputes the entries CRC and header CRC."""
    def apply(fs, stamped):
        last = disk_sectors(fs.disk) - 1
        with open(fs.disk, "r+b") as f:
            for which in copies:
                hlba = 1 if which == 1 else last
                header, elba, count, size, table = gpt_read(f, hlba)
                v = value(fs) if callable(value) else value
                struct.pack_into("<Q", table, fs.entry_index * size + offset, v)
                f.seek(elba * SECTOR)
                f.write(table)
                if stamped:
                    gpt_restamp(header, table)
                    f.seek(hlba * SECTOR)
                    f.write(header)
    return apply


def gpt_header_crc(fs, stamped):
    with open(fs.disk, "r+b") as f:
        f.seek(SECTOR + GPT_HEADER_CRC)
        crc, = struct.unpack("<I", f.read(4))
        f.seek(SECTOR + GPT_HEADER_CRC)
        f.write(struct.pack("<I", crc ^ 1))


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
    ("sb.reserved=1", "sblayout", lambda fs, stamped: fs.patch(1, SB_RESERVED + 8, "<I", 1, SUPER, stamped)),
    ("sb.size=0.raw", "sblayout", sb_field("size", 0)),
    # the root directory's inode
    ("root.type=0", "rootinode", inode_field("/", "type", 0)),
    ("root.type=file", "rootinode", inode_field("/", "type", T_FILE)),
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
    ("file.type=dir", "fileinode2", lambda fs, st: inode_field(fs.small, "type", T_DIR)(fs, st)),
    ("file.nlink=0", "fileinode2", lambda fs, st: inode_field(fs.small, "nlink", 0)(fs, st)),
    ("file.big.indirect=superblock", "fileinode2",
     lambda fs, st: inode_field(fs.big, "addrs[12]", 1)(fs, st)),
    ("console.major=max", "fileinode2", inode_field("/dev/console", "major", 0xFFFF)),
    ("console.major=99", "fileinode2", inode_field("/dev/console", "major", 99)),
    ("console.type=file", "fileinode2", inode_field("/dev/console", "type", T_FILE)),
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
    ("gpt.root.first_lba=max", "gpt", gpt_entry_field(GPT_FIRST_LBA, (1 << 64) - 1)),
    ("gpt.root.last_lba=beyond", "gpt", gpt_entry_field(GPT_LAST_LBA, lambda fs: disk_sectors(fs.disk))),
    ("gpt.root.first_lba=0.raw", "gpt", gpt_entry_field(GPT_FIRST_LBA, 0)),
    ("gpt.both.last_lba=beyond", "gpt",
     gpt_entry_field(GPT_LAST_LBA, lambda fs: disk_sectors(fs.disk), copies=(1, -1))),
    ("gpt.both.first_lba=1", "gpt", gpt_entry_field(GPT_FIRST_LBA, 1, copies=(1, -1))),
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
        if ino["type"] != T_FILE:
            continue
        if ino["addrs"][SINGLE_SLOT] and ino["size"] > best:
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
    fs = Image(disk)
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
    orig = Image(orig_disk)
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
