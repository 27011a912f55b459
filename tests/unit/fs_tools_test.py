"""Proves rivet-mkfs and rivet-fsck behave as documented: mkfs builds an
image fsck finds clean, with the files, directories and devices asked for
(command line and manifest), deterministically and sparsely; it refuses
contents that do not fit (status 1, no output left) and bad command lines
(status 2); fsck reports damage (status 1), finds the root partition of a
GPT disk image by its type GUID, and gives status 2 for unreadable input.

usage: fs_tools_test.py --mkfs PATH --fsck PATH --mkimage PATH
"""
import argparse
import os
import subprocess
import sys
import tempfile

from rivet_image import INODE_FIELDS, ROOT_TYPE, Image, bitmap_place

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mkfs", required=True)
    ap.add_argument("--fsck", required=True)
    ap.add_argument("--mkimage", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        p = lambda name: os.path.join(tmp, name)
        with open(p("sh"), "wb") as f:
            f.write(bytes(range(256)) * 300)                 # 76800 bytes: indirect blocks
        with open(p("big"), "wb") as f:
            f.write(b"\0" * 100000 + b"tail")                # mostly a hole
        with open(p("manifest"), "w") as f:
            f.write("# a comment\n\ndir /etc\nfile sh /bin/sh2\ndev /dev/null 2 0\n")

        args = ["--size", "8M", "--file", p("sh") + ":/bin/sh", "--file", p("big") + ":/data/big",
                "--dir", "/tmp", "--mkdev", "/dev/console:1:0", "--manifest", p("manifest")]
        r = run([a.mkfs, "--out", p("a.img")] + args)
        check(r.returncode == 0, "mkfs failed: " + r.stdout)
        check(os.path.getsize(p("a.img")) == 8 << 20, "image is not 8 MiB")
        check(os.stat(p("a.img")).st_blocks * 512 < (2 << 20), "image is not sparse")
        sb = Image(p("a.img"), base=0, check=False).sb
        check(sb["size"] == 2048 and sb["version"] == 2, "superblock: %r" % sb)
        r = run([a.fsck, "--verbose", p("a.img")])
        check(r.returncode == 0 and "clean" in r.stdout, "fsck of a fresh image: " + r.stdout)
        check("3 files, 6 directories, 2 devices" in r.stdout, "counts: " + r.stdout)

        r = run([a.mkfs, "--out", p("b.img"), "--quiet"] + args)
        check(r.returncode == 0 and r.stdout == "", "quiet mkfs: " + r.stdout)
        with open(p("a.img"), "rb") as x, open(p("b.img"), "rb") as y:
            check(x.read() == y.read(), "mkfs is not deterministic")

        # Contents that do not fit, and too many inodes: status 1, nothing left behind.
        r = run([a.mkfs, "--out", p("c.img"), "--size", "1M", "--file", p("sh") + ":/a",
                 "--file", p("sh") + ":/b", "--file", p("sh") + ":/c", "--file", p("sh") + ":/d"])
        check(r.returncode == 1 and "data blocks" in r.stdout, "too small: %d %s" % (r.returncode, r.stdout))
        check(not os.path.exists(p("c.img")) and not os.path.exists(p("c.img.partial")), "partial image left")
        many = []
        for i in range(40):
            many += ["--dir", "/d%d" % i]
        r = run([a.mkfs, "--out", p("c.img"), "--size", "4M", "--inodes", "32"] + many)
        check(r.returncode == 1 and "inodes" in r.stdout, "too many inodes: " + r.stdout)
        r = run([a.mkfs, "--out", p("c.img"), "--size", "4M", "--file", p("missing") + ":/x"])
        check(r.returncode == 1 and "cannot read" in r.stdout, "missing input: " + r.stdout)

        # Bad command lines: status 2.
        for bad in [[], ["--out", p("x")], ["--out", p("x"), "--size", "3000"],
                    ["--out", p("x"), "--size", "8M", "--bogus"],
                    ["--out", p("x"), "--size", "8M", "--file", "nocolon"],
                    ["--out", p("x"), "--size", "8M", "--mkdev", "/dev/x:1"],
                    ["--out", p("x"), "--size", "8M", "--log", "5"]]:
            r = run([a.mkfs] + bad)
            check(r.returncode == 2, "bad command line %r gave %d" % (bad, r.returncode))
        r = run([a.mkfs, "--out", p("x"), "--size", "8M", "--dir", "/" + "n" * 60])
        check(r.returncode == 1 and "longer than" in r.stdout, "long name: " + r.stdout)

        # Damage: a bitmap bit cleared, a link count changed.
        a_img = Image(p("a.img"), base=0, check=False)
        block, byte, bit = bitmap_place(sb, sb["datastart"])
        a_img.patch(block, byte, None, bytes([a_img.read(block)[byte] & ~(1 << bit)]))
        r = run([a.fsck, p("a.img")])
        bitmap_bad = "block %d (bitmap block): checksum mismatch" % sb["bmapstart"]
        check(r.returncode == 1 and bitmap_bad in r.stdout, "bitmap damage: " + r.stdout)
        # --repair rebuilds the bitmap (the inodes all verify), then checks again: clean.
        r = run([a.fsck, "--repair", p("a.img")])
        check(r.returncode == 0 and "repaired: rebuilt the free-block bitmap" in r.stdout and "clean" in r.stdout,
              "bitmap repair: %d %s" % (r.returncode, r.stdout))
        r = run([a.fsck, p("a.img")])
        check(r.returncode == 0 and "clean" in r.stdout, "after repair: " + r.stdout)
        b_img = Image(p("b.img"), base=0, check=False)
        block, off = b_img.inode_place(2)
        offset, fmt = INODE_FIELDS["nlink"]
        b_img.patch(block, off + offset, fmt, 7)  # inode 2's nlink, the checksum left stale
        r = run([a.fsck, p("b.img")])
        inode_bad = "block %d (inode block): checksum mismatch" % sb["inodestart"]
        check(r.returncode == 1 and "link count 7" in r.stdout and inode_bad in r.stdout, "nlink damage: " + r.stdout)
        # Nothing is repaired on the word of a damaged inode block.
        r = run([a.fsck, "-r", p("b.img")])
        check(r.returncode == 1 and "repaired" not in r.stdout, "repair of inode damage: " + r.stdout)

        # The root partition of a GPT disk image.
        r = run([a.mkfs, "--out", p("root.img"), "--size", "8M", "--quiet"] + args)
        r = run([a.mkimage, "--out", p("disk.img"), "--size", "32M", "--quiet",
                 "--part", "name=boot,type=esp,size=4M",
                 "--part", "name=root,type=%s,size=8M,file=%s" % (ROOT_TYPE, p("root.img"))])
        check(r.returncode == 0, "mkimage: " + r.stdout)
        r = run([a.fsck, p("disk.img")])
        check(r.returncode == 0 and "partition 2" in r.stdout and "clean" in r.stdout, "GPT: " + r.stdout)
        r = run([a.fsck, "--partition", "1", p("disk.img")])
        check(r.returncode == 1 and "bad superblock" in r.stdout, "wrong partition: " + r.stdout)

        # Unreadable input and usage errors: status 2.
        check(run([a.fsck, p("nope.img")]).returncode == 2, "missing image not status 2")
        check(run([a.fsck]).returncode == 2, "no image not status 2")
        check(run([a.fsck, "--frobnicate", p("a.img")]).returncode == 2, "bad option not status 2")
        with open(p("tiny.img"), "wb") as f:
            f.write(b"\0" * 1000)
        r = run([a.fsck, p("tiny.img")])
        check(r.returncode == 1, "tiny image: %d %s" % (r.returncode, r.stdout))

    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("all fs tool checks passed")


main()
