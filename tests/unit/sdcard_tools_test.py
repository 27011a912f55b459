"""Proves the host image tools behave as documented: rivet-mkimage writes a
GPT that sgdisk accepts, with the requested types, attributes, names and file
contents, deterministically and sparsely, and refuses bad command lines with
status 2 (bad files with status 1) without leaving any output behind;
make-boot-fat.sh builds a FAT image holding /Image and
/extlinux/extlinux.conf, reproducibly, and refuses contents that do not fit.

usage: sdcard_tools_test.py --mkimage PATH --make-boot-fat PATH
"""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def tool(name):
    for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/sbin"]:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    return None


def test_mkimage(mkimage, tmp):
    # A board-like layout: one bootable FAT partition with contents, a root and a swap.
    blob = os.path.join(tmp, "blob")
    with open(blob, "wb") as f:
        f.write(b"\0" * 65536 + bytes(range(256)) * 4096 + b"\0" * 65536)
    img = os.path.join(tmp, "a.img")
    args = ["--size", "64M", "--part", "name=boot,type=esp,start=16384,size=8M,bootable,file=" + blob,
            "--part", "name=root,type=linux,size=16M", "--part", "name=swap,type=linux-swap"]
    r = run([mkimage, "--out", img] + args)
    check(r.returncode == 0, "mkimage failed: " + r.stdout)
    check(os.path.getsize(img) == 64 << 20, "image size is not 64 MiB")
    check(os.stat(img).st_blocks * 512 < (8 << 20), "image is not sparse")
    with open(img, "rb") as f:
        f.seek(16384 * 512)
        with open(blob, "rb") as b:
            expected = b.read()
        check(f.read(len(expected)) == expected, "file contents not at the partition start")

    sgdisk = tool("sgdisk")
    if sgdisk:
        v = run([sgdisk, "-v", img]).stdout
        check("No problems found" in v, "sgdisk -v: " + v)
        i1 = run([sgdisk, "-i", "1", img]).stdout
        check("C12A7328-F81F-11D2-BA4B-00A0C93EC93B" in i1, "type of partition 1: " + i1)
        check("Attribute flags: 0000000000000004" in i1, "bootable bit: " + i1)
        check("Partition name: 'boot'" in i1 and "First sector: 16384" in i1, i1)
        i2 = run([sgdisk, "-i", "2", img]).stdout
        check("0FC63DAF-8483-4772-8E79-3D69D8477DE4" in i2 and "First sector: 32768" in i2,
              "root follows boot at the next 1 MiB boundary: " + i2)
        i3 = run([sgdisk, "-i", "3", img]).stdout
        check("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" in i3 and "Last sector: 131038" in i3,
              "swap fills the rest: " + i3)
    else:
        print("note: sgdisk not installed; skipping the sgdisk checks")

    again = os.path.join(tmp, "b.img")
    run([mkimage, "--out", again, "--quiet"] + args)
    check(filecmp.cmp(img, again, shallow=False), "same arguments gave different images")
    other = os.path.join(tmp, "c.img")
    run([mkimage, "--out", other, "--quiet", "--seed", "other"] + args)
    check(not filecmp.cmp(img, other, shallow=False), "--seed does not change the GUIDs")

    out = os.path.join(tmp, "bad.img")
    bad_usage = [
        [],
        ["--out", out],
        ["--out", out, "--size", "64M"],
        ["--out", out, "--size", "64X", "--part", "type=esp"],
        ["--out", out, "--size", "64M", "--part", "type=nonsense"],
        ["--out", out, "--size", "64M", "--part", "name=boot"],
        ["--out", out, "--size", "64M", "--part", "type=esp,colour=blue"],
        ["--out", out, "--size", "64M", "--part", "type=esp,size=1000K1"],
        ["--out", out, "--size", "64M", "--part", "type=esp,size=1K,start=33"],
        ["--out", out, "--size", "64M", "--part", "type=esp,start=16384,size=64M"],
        ["--out", out, "--size", "64M", "--part", "type=esp,size=8M", "--part", "type=linux,start=4096"],
        ["--out", out, "--size", "64M", "--part", "type=esp,guid=not-a-guid"],
        ["--out", out, "--size", "64M", "--part", "type=esp,name=" + "x" * 37],
        ["--out", out, "--size", "64M", "--part", "type=esp", "--frobnicate"],
    ]
    for cmd in bad_usage:
        r = run([mkimage] + cmd)
        check(r.returncode == 2 and "error:" in r.stdout, "expected a usage error for %s, got %d: %s"
              % (cmd, r.returncode, r.stdout))
    too_big = run([mkimage, "--out", out, "--size", "64M", "--part", "type=esp,size=64K,file=" + blob])
    check(too_big.returncode == 1 and "does not fit" in too_big.stdout, "file too big: " + too_big.stdout)
    missing = run([mkimage, "--out", out, "--size", "64M", "--part", "type=esp,file=/nonexistent"])
    check(missing.returncode == 1, "missing file accepted")
    leftovers = [n for n in os.listdir(tmp) if n.startswith("bad.img")]
    check(not leftovers, "failed runs left files behind: %s" % leftovers)


def test_make_boot_fat(script, tmp):
    mtype = tool("mtype")
    if not tool("mkfs.fat") or not mtype:
        print("note: dosfstools/mtools not installed; skipping make-boot-fat.sh")
        return
    kernel = os.path.join(tmp, "Image")
    with open(kernel, "wb") as f:
        f.write(os.urandom(300000))
    conf = os.path.join(tmp, "extlinux.conf")
    with open(conf, "w") as f:
        f.write("default rivet\nlabel rivet\n  kernel /Image\n")
    fat = os.path.join(tmp, "boot.fat")
    r = run([script, fat, "16M", kernel, conf])
    check(r.returncode == 0, "make-boot-fat.sh failed: " + r.stdout)
    check(os.path.getsize(fat) == 16 << 20, "FAT image is not 16 MiB")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    got = subprocess.run([mtype, "-i", fat, "::/Image"], stdout=subprocess.PIPE, env=env).stdout
    with open(kernel, "rb") as f:
        check(got == f.read(), "/Image differs from the kernel")
    got = subprocess.run([mtype, "-i", fat, "::/extlinux/extlinux.conf"], stdout=subprocess.PIPE,
                         env=env).stdout
    check(got == b"default rivet\nlabel rivet\n  kernel /Image\n", "extlinux.conf differs")
    again = os.path.join(tmp, "again.fat")
    os.utime(kernel, (1, 1))  # different input times must not matter
    run([script, again, "16M", kernel, conf])
    check(filecmp.cmp(fat, again, shallow=False), "make-boot-fat.sh is not reproducible")
    small = run([script, os.path.join(tmp, "small.fat"), "256K", kernel, conf])
    check(small.returncode != 0 and "do not fit" in small.stdout, "oversized contents: " + small.stdout)
    check(not os.path.exists(os.path.join(tmp, "small.fat")), "failed run left an image behind")
    usage = run([script, fat])
    check(usage.returncode == 2, "missing arguments accepted")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mkimage", required=True)
    p.add_argument("--make-boot-fat", required=True)
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="rivet-sdcard-test-")
    try:
        test_mkimage(args.mkimage, tmp)
        test_make_boot_fat(args.make_boot_fat, tmp)
    finally:
        shutil.rmtree(tmp)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
