"""Checks a board's SD-card image with independent readers: nothing here
uses Rivet's own image code, and the expected layouts are written out below
from ../shared/BOARDS.md (and the boards' READMEs), not taken from the
board packages, so a mistake in a board.cmake shows up as a failure.

  sgdisk        partition numbers, first and last sectors, type GUIDs,
                attributes (only the boot partition is legacy-BIOS-bootable)
  firmware      each firmware partition holds, from its first sector, the
                file from the Debian package pinned in tools/firmware.lock
                (the .deb's SHA-256 is checked against the lock and the file
                is taken out of the .deb with dpkg-deb, not from the
                unpacked tree the build used), and zeros after it
  dumpimage -l  the U-Boot FIT image parses and is the board's
  mtools        the FAT boot partition lists /Image, /extlinux/extlinux.conf
                and the RAM-disk image; /Image is the build's kernel
  extlinux.conf a bounded menu (menu title + short timeout), the default
                entry boots the SD root, the second a RAM-disk root
                (initrd + root=ram0), both with the board's console
  rivet-fsck    the RAM-disk image and the root partition are clean Rivet
                file systems
  packaging     sparse sd.img, its size (a power of two where QEMU needs
                it), sha256sum -c SHA256SUMS, the .bmap's image size, and
                sd.img.xz decompressing to sd.img
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys

ROOT_TYPE = "B2A45E6C-0F3A-4B8E-9C1D-524956455446"
SWAP_TYPE = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
SIFIVE_SPL = "5B193300-FC78-40CD-8002-E86C45580B47"
SIFIVE_ITB = "2E54B353-1271-4842-806F-E436D6AF6985"
VF2_SPL = "2E54B353-1271-4842-806F-E436D6AF6985"   # the same GUID as SIFIVE_ITB
VF2_ITB = "BC13C2FF-59E6-4262-A352-B275FD6F7172"
MIB = 1 << 20
SECTOR = 512


def sifive(variant, fdt):
    pkg = "u-boot-sifive"
    return {
        "console": "ttySIF0",
        "disk_size": 512 * MIB,
        "power_of_two": variant == "sifive_unleashed",   # QEMU sifive_u's SD model
        "xz": True,
        "firmware": [
            # number, first, last, type, package, path in the package
            (1, 34, 2081, SIFIVE_SPL, pkg, "usr/lib/u-boot/%s/u-boot-spl.bin" % variant),
            (2, 2082, 10273, SIFIVE_ITB, pkg, "usr/lib/u-boot/%s/u-boot.itb" % variant),
        ],
        "itb_partition": 2,
        "itb_expect": [r"Image \d+ \(opensbi\)", r"Image \d+ \(uboot\)",
                       r"Load Address: 0x80200000", r"Description:\s+%s" % fdt],
        "boot": 3,
    }


BOARDS = {
    "qemu-virt": {
        "console": "ttyS0",
        "disk_size": 384 * MIB,
        "power_of_two": False,    # a virtio disk: any size
        "xz": False,
        "firmware": [],
        "boot": 1,
        "boot_last": 81919,
        "root_first": 81920,
        "swap_first": 212992,
    },
    "hifive-unleashed": sifive("sifive_unleashed", "hifive-unleashed-a00"),
    "hifive-unmatched": sifive("sifive_unmatched", "hifive-unmatched-a00"),
    "visionfive2": {
        "console": "ttyS0",
        "disk_size": 512 * MIB,
        "power_of_two": False,
        "xz": True,
        "firmware": [
            (1, 4096, 8191, VF2_SPL, "u-boot-starfive",
             "usr/lib/u-boot/starfive_visionfive2/u-boot-spl.bin.normal.out"),
            (2, 8192, 16383, VF2_ITB, "u-boot-starfive",
             "usr/lib/u-boot/starfive_visionfive2/u-boot.itb"),
        ],
        "itb_partition": 2,
        "itb_expect": [r"Image \d+ \(opensbi\)", r"Image \d+ \(uboot\)",
                       r"Load Address: 0x40200000"],
        "boot": 3,
    },
}

failures = []


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def tool(cmd, **kw):
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    return done.returncode, done.stdout


def text_tool(cmd):
    status, out = tool(cmd)
    return status, out.decode(errors="replace")


def sgdisk_partitions(image):
    """{number: (first, last)} from `sgdisk -p`."""
    status, out = text_tool(["sgdisk", "-p", image])
    check(status == 0, "sgdisk -p reads the partition table")
    parts = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+(\d+)\s+(\d+)\s", line)
        if m:
            parts[int(m.group(1))] = (int(m.group(2)), int(m.group(3)))
    check("Problem" not in out and "Warning" not in out and "corrupt" not in out.lower(),
          "sgdisk reports no problems")
    status, out = text_tool(["sgdisk", "-v", image])
    check(status == 0 and "No problems found" in out, "sgdisk -v: no problems found")
    return parts


def sgdisk_info(image, number):
    status, out = text_tool(["sgdisk", "-i", str(number), image])
    info = {}
    m = re.search(r"Partition GUID code: ([0-9A-F-]{36})", out)
    info["type"] = m.group(1) if m else None
    m = re.search(r"Attribute flags: ([0-9A-Fa-f]+)", out)
    info["attrs"] = int(m.group(1), 16) if m else None
    m = re.search(r"Partition name: '([^']*)'", out)
    info["name"] = m.group(1) if m else None
    return info


def read_range(image, first_sector, length):
    with open(image, "rb") as f:
        f.seek(first_sector * SECTOR)
        return f.read(length)


def lock_entries(lock_path):
    entries = {}
    with open(lock_path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) == 3:
                entries[line[0]] = (os.path.basename(line[1]), line[2])
    return entries


def firmware_file(args, package, member):
    """The member's bytes, taken straight out of the pinned .deb."""
    entries = lock_entries(args.lock)
    if not check(package in entries, "tools/firmware.lock pins %s" % package):
        return None
    deb_name, sha = entries[package]
    deb = os.path.join(args.firmware, "debs", deb_name)
    if not check(os.path.isfile(deb), "%s is in %s/debs" % (deb_name, args.firmware)):
        return None
    with open(deb, "rb") as f:
        check(hashlib.sha256(f.read()).hexdigest() == sha, "%s has the locked SHA-256" % deb_name)
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE, check=True)
    status, data = tool(["tar", "-xO", "./" + member], input=tar.stdout)
    if not check(status == 0 and len(data) > 0, "%s holds %s" % (deb_name, member)):
        return None
    return data


def check_firmware(args, board, image, parts):
    for number, first, last, type_guid, package, member in board["firmware"]:
        what = "partition %d (%s)" % (number, os.path.basename(member))
        check(parts.get(number) == (first, last),
              "%s spans sectors %d-%d (found %s)" % (what, first, last, parts.get(number)))
        info = sgdisk_info(image, number)
        check(info["type"] == type_guid, "%s has type %s (found %s)" % (what, type_guid, info["type"]))
        check(info["attrs"] == 0, "%s has no attribute bits" % what)
        data = firmware_file(args, package, member)
        if data is None:
            continue
        size = (last - first + 1) * SECTOR
        check(len(data) <= size, "%s fits its partition (%d <= %d bytes)" % (what, len(data), size))
        content = read_range(image, first, size)
        check(content[:len(data)] == data, "%s is byte-identical to the locked %s" % (what, member))
        check(content[len(data):] == bytes(size - len(data)), "%s is zero after the file" % what)
        if number == board.get("itb_partition"):
            itb = os.path.join(args.workdir, "u-boot.itb")
            with open(itb, "wb") as f:
                f.write(content[:len(data)])
            status, out = text_tool(["dumpimage", "-l", itb])
            check(status == 0 and "FIT description" in out, "dumpimage -l parses the FIT image")
            for pattern in board["itb_expect"]:
                check(re.search(pattern, out) is not None, "the FIT image shows %r" % pattern)


def parse_extlinux(text):
    """Top-level keywords and labels of an extlinux.conf, as U-Boot's parser
    sees them (keyword, rest of line; labels collect their lines)."""
    top, labels, current = {}, [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, rest = line.partition(" ")
        key, rest = key.lower(), rest.strip()
        if key == "label":
            current = {"name": rest}
            labels.append(current)
        elif key == "menu" and rest.lower().startswith("label") and current is not None:
            current["menu label"] = rest[5:].strip()
        elif key == "menu" and rest.lower().startswith("title"):
            top["menu title"] = rest[5:].strip()
        elif current is not None and key in ("kernel", "linux", "initrd", "append", "fdt", "fdtdir"):
            current[key] = rest
        else:
            top[key] = rest
    return top, labels


def check_boot_partition(args, board, image, parts, kernel):
    number = board["boot"]
    first, last = parts.get(number, (None, None))
    check(first == 16384, "boot partition %d starts at sector 16384 (found %s)" % (number, first))
    if "boot_last" in board:
        check(last == board["boot_last"], "boot partition ends at %d" % board["boot_last"])
    info = sgdisk_info(image, number)
    check(info["type"] == ESP_TYPE, "boot partition has the EFI system type")
    check(info["attrs"] is not None and info["attrs"] & 4,
          "boot partition has the legacy-BIOS-bootable attribute (bit 2)")
    for other in parts:
        if other != number:
            attrs = sgdisk_info(image, other)["attrs"]
            check(attrs is not None and not attrs & 4, "partition %d is not bootable" % other)
    if first is None:
        return
    offset = first * SECTOR
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    spec = "%s@@%d" % (image, offset)
    status, out = tool(["mdir", "-/", "-b", "-i", spec, "::/"], env=env)
    listing = sorted(line.strip() for line in out.decode(errors="replace").splitlines() if line.strip())
    print("  FAT contents: " + ", ".join(listing))
    check(status == 0, "mtools reads the FAT boot partition")
    for path in ("::/Image", "::/extlinux/extlinux.conf", "::/rivet-initrd.img"):
        check(path in listing, "the FAT holds %s" % path[2:])

    def fat_file(path):
        status, data = tool(["mtype", "-i", spec, "::" + path], env=env)
        return data if status == 0 else None

    image_data = fat_file("/Image")
    check(image_data == kernel, "/Image on the FAT is the build's kernel (%d bytes)" % len(kernel))

    conf = fat_file("/extlinux/extlinux.conf")
    if not check(conf is not None, "extlinux.conf is readable"):
        return
    top, labels = parse_extlinux(conf.decode())
    print("  extlinux: %s; labels %s" % (top, [l["name"] for l in labels]))
    check("menu title" in top, "extlinux.conf has a menu (menu title)")
    timeout = int(top.get("timeout", "0") or "0")
    check(1 <= timeout <= 100, "extlinux.conf has a short timeout (%d tenths of a second; "
          "without one the menu waits for a key forever)" % timeout)
    check(len(labels) == 2, "extlinux.conf has two entries")
    by_name = {l["name"]: l for l in labels}
    default = by_name.get(top.get("default"))
    if not check(default is not None, "the default entry %r exists" % top.get("default")):
        return
    others = [l for l in labels if l is not default]
    console = "console=%s" % board["console"]
    check(default.get("kernel") == "/Image", "the default entry boots /Image")
    check("initrd" not in default, "the default entry loads no initrd (root on the SD card)")
    check(console in default.get("append", "").split(), "the default entry says %s" % console)
    check("root=ram0" not in default.get("append", ""), "the default entry does not ask for ram0")
    for entry in (default, *others):
        check("fdt" not in entry and "fdtdir" not in entry,
              "entry %s names no device tree (U-Boot passes its own)" % entry["name"])
    if not others:
        return
    ramdisk = others[0]
    check(ramdisk.get("kernel") == "/Image", "the RAM-disk entry boots the same /Image")
    check(console in ramdisk.get("append", "").split(), "the RAM-disk entry says %s" % console)
    check("root=ram0" in ramdisk.get("append", "").split(), "the RAM-disk entry says root=ram0")
    initrd = ramdisk.get("initrd", "")
    check(initrd.startswith("/") and "::" + initrd in listing,
          "the RAM-disk entry's initrd %r is on the FAT" % initrd)
    data = fat_file(initrd) if initrd else None
    if data is not None:
        check(4 * MIB <= len(data) <= 32 * MIB, "the RAM-disk image is small (%d MiB)" % (len(data) // MIB))
        path = os.path.join(args.workdir, "initrd.img")
        with open(path, "wb") as f:
            f.write(data)
        status, out = text_tool([args.fsck, path])
        print("  " + out.strip())
        check(status == 0 and "clean" in out, "rivet-fsck: the RAM-disk image is a clean Rivet file system")


def check_root_and_swap(args, board, image, parts):
    boot = board["boot"]
    root, swap = boot + 1, boot + 2
    check(sorted(parts) == list(range(1, swap + 1)),
          "partitions are numbered 1..%d (found %s)" % (swap, sorted(parts)))
    info = sgdisk_info(image, root)
    check(info["type"] == ROOT_TYPE, "partition %d has Rivet's root type" % root)
    info = sgdisk_info(image, swap)
    check(info["type"] == SWAP_TYPE, "partition %d has the Linux swap type" % swap)
    if swap in parts:
        first, last = parts[swap]
        check((last - first + 1) * SECTOR == 256 * MIB, "the swap partition is 256 MiB")
    if "root_first" in board:
        check(parts.get(root, (0,))[0] == board["root_first"], "root starts at %d" % board["root_first"])
        check(parts.get(swap, (0,))[0] == board["swap_first"], "swap starts at %d" % board["swap_first"])
    if root in parts and boot in parts:
        check(parts[root][0] > parts[boot][1] and parts[swap][0] > parts[root][1],
              "boot, root and swap follow each other")
    status, out = text_tool([args.fsck, image])
    print("  " + out.strip())
    check(status == 0 and "partition %d" % root in out and "clean" in out,
          "rivet-fsck: the root partition is a clean Rivet file system")


def check_packaging(args, board, image):
    size = os.path.getsize(image)
    check(size == board["disk_size"], "sd.img is %d MiB" % (board["disk_size"] // MIB))
    if board["power_of_two"]:
        check(size & (size - 1) == 0, "sd.img's size is a power of two (QEMU's SD card model)")
    allocated = os.stat(image).st_blocks * 512
    check(allocated < size // 4, "sd.img is sparse (%d MiB allocated)" % (allocated // MIB))
    directory = os.path.dirname(image)
    sums = os.path.join(directory, "SHA256SUMS")
    if check(os.path.isfile(sums), "SHA256SUMS exists"):
        with open(sums) as f:
            listed = [line.split()[-1] for line in f if line.strip()]
        expected = ["sd.img", "sd.img.bmap"] + (["sd.img.xz"] if board["xz"] else [])
        check(sorted(listed) == sorted(expected), "SHA256SUMS lists %s" % ", ".join(expected))
        status, _ = tool(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=directory)
        check(status == 0, "sha256sum -c SHA256SUMS passes")
    bmap = image + ".bmap"
    if check(os.path.isfile(bmap), "sd.img.bmap exists"):
        with open(bmap) as f:
            text = f.read()
        m = re.search(r"<ImageSize>\s*(\d+)\s*</ImageSize>", text)
        check(m is not None and int(m.group(1)) == size, "the bmap describes a %d-byte image" % size)
        m = re.search(r"<MappedBlocksCount>\s*(\d+)\s*</MappedBlocksCount>", text)
        check(m is not None and int(m.group(1)) > 0, "the bmap maps some blocks")
    if board["xz"]:
        xz = image + ".xz"
        if check(os.path.isfile(xz), "sd.img.xz exists"):
            unpack = subprocess.Popen(["xz", "-dc", xz], stdout=subprocess.PIPE)
            status = subprocess.run(["cmp", "--quiet", "-", image], stdin=unpack.stdout).returncode
            unpack.stdout.close()
            check(unpack.wait() == 0 and status == 0, "sd.img.xz decompresses to sd.img")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--board", required=True, choices=sorted(BOARDS))
    p.add_argument("--image", required=True, help="<build>/boards/NAME/sd.img")
    p.add_argument("--kernel", required=True, help="the build's kernel Image")
    p.add_argument("--firmware", required=True, help="<build>/firmware")
    p.add_argument("--lock", required=True, help="tools/firmware.lock")
    p.add_argument("--fsck", required=True, help="rivet-fsck")
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    for tool_name in ("sgdisk", "dumpimage", "mdir", "mtype", "dpkg-deb", "xz", "sha256sum"):
        if not shutil.which(tool_name):
            print("FAIL: %s not found (tools/setup.sh installs it)" % tool_name)
            sys.exit(1)
    if not os.path.isfile(args.image):
        print("FAIL: %s does not exist (build the image-%s target)" % (args.image, args.board))
        sys.exit(1)
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    board = BOARDS[args.board]
    with open(args.kernel, "rb") as f:
        kernel = f.read()

    parts = sgdisk_partitions(args.image)
    check_firmware(args, board, args.image, parts)
    check_boot_partition(args, board, args.image, parts, kernel)
    check_root_and_swap(args, board, args.image, parts)
    check_packaging(args, board, args.image)

    if failures:
        print("FAIL: %d check(s) failed" % len(failures))
        sys.exit(1)
    shutil.rmtree(args.workdir, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
