"""Boot Rivet the way the boards do: OpenSBI fw_jump -> U-Boot
(qemu-riscv64_smode) -> standard boot (extlinux on the bootable GPT partition)
-> booti -> Rivet, on QEMU virt with two harts.

--mode virt (test boot.uboot.virt) proves that the qemu-virt board image,
boards/qemu-virt/sd.img, boots as built: U-Boot finds /extlinux/extlinux.conf,
loads /Image and moves it to RAM base + the header's text_offset; the kernel
prints its banner, brings every hart online, finds the root file system on
the same disk (a virtio-mmio device), starts init and the shell, and
`poweroff` at the shell prompt shuts the machine down through SBI SRST so
QEMU exits by itself with status 0.

--mode text-offset (test boot.uboot.text_offset) proves the kernel does not
depend on its load address: for each offset given, it patches the text_offset
field of a copy of the Image (8 bytes little-endian at file offset 8), builds
a disk image from it with make-boot-fat.sh and rivet-mkimage, and boots it as
above. U-Boot must report moving the kernel to 0x80000000 + offset, and the
kernel, if it prints "rivet: kernel at physical 0x...", must report that
address. These disks hold only the boot partition, so the kernel stops at
its monitor prompt instead of a shell.
"""
import argparse
import os
import re
import struct
import subprocess
import time

from rivet_qemu import Qemu, run_test

RAM_BASE = 0x80000000           # QEMU virt
HEADER_MAGIC = b"RISCV\0\0\0"   # RISC-V Linux image header, offset 0x30
HEADER_MAGIC2 = b"RSC\x05"      # offset 0x38; the one booti checks
TEXT_OFFSET_AT = 8

# Generous: U-Boot waits 2 s (bootdelay) and everything runs under TCG on a
# small, possibly busy machine.
UBOOT_TIMEOUT = 120.0     # QEMU start -> U-Boot loads /Image
KERNEL_TIMEOUT = 60.0     # "Starting kernel" -> banner
PROMPT_TIMEOUT = 120.0    # banner -> monitor prompt with all harts online
POWEROFF_TIMEOUT = 60.0   # poweroff -> QEMU has exited
BOOT_DEADLINE = 360.0     # one whole boot, hard limit


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qemu", required=True)
    p.add_argument("--log", required=True, help="console transcript (one per boot)")
    p.add_argument("--mode", choices=("virt", "text-offset"), required=True)
    p.add_argument("--fw-jump", required=True, help="OpenSBI fw_jump.bin")
    p.add_argument("--uboot", required=True, help="U-Boot qemu-riscv64_smode u-boot.bin")
    p.add_argument("--kernel", required=True, help="the kernel Image")
    p.add_argument("--workdir", required=True, help="scratch directory for disk images")
    p.add_argument("--smp", type=int, default=2)
    # --mode virt
    p.add_argument("--sd-image", help="the board image to boot (a copy is booted)")
    # --mode text-offset
    p.add_argument("--offsets", default="0x600000,0x1000000",
                   help="comma-separated text_offset values, multiples of 2 MiB")
    p.add_argument("--mkimage", help="rivet-mkimage")
    p.add_argument("--make-boot-fat", help="sdcard/make-boot-fat.sh")
    p.add_argument("--extlinux", help="extlinux.conf for the boot partition")
    p.add_argument("--disk-size", default="128M")
    p.add_argument("--boot-fat-size", default="32M")
    p.add_argument("--boot-part", default="name=boot,type=esp,start=16384,size=32M,bootable",
                   help="rivet-mkimage --part spec of the boot partition, without file=")
    args = p.parse_args()
    if args.mode == "virt" and not args.sd_image:
        p.error("--mode virt needs --sd-image")
    if args.mode == "text-offset":
        for name in ("mkimage", "make_boot_fat", "extlinux"):
            if not getattr(args, name):
                p.error("--mode text-offset needs --%s" % name.replace("_", "-"))
    return args


def require_file(path, what, hint=""):
    if not os.path.isfile(path):
        raise AssertionError("%s %s does not exist%s" % (what, path, hint))


def read_text_offset(image):
    """Validates the RISC-V image header of `image` (bytes) and returns its text_offset."""
    if len(image) < 64:
        raise AssertionError("kernel Image is only %d bytes, too short for a header" % len(image))
    if image[0x30:0x38] != HEADER_MAGIC or image[0x38:0x3c] != HEADER_MAGIC2:
        raise AssertionError("kernel Image lacks the RISC-V image header magic "
                             "('RISCV' at 0x30, 'RSC\\x05' at 0x38)")
    (text_offset,) = struct.unpack_from("<Q", image, TEXT_OFFSET_AT)
    (image_size,) = struct.unpack_from("<Q", image, 16)
    if image_size == 0:
        raise AssertionError("kernel Image header has image_size 0; booti refuses that")
    return text_offset


def sparse_copy(src, dst, chunk=1 << 20):
    """Copies a disk image, leaving runs of zeros as holes."""
    zeros = bytes(chunk)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while True:
            data = fin.read(chunk)
            if not data:
                break
            if data == zeros[:len(data)]:
                fout.seek(len(data), os.SEEK_CUR)
            else:
                fout.write(data)
        fout.truncate()


def run_tool(cmd):
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.stdout:
        print(done.stdout.rstrip(), flush=True)
    if done.returncode != 0:
        raise AssertionError("%s failed with status %d" % (cmd[0], done.returncode))


def boot(args, disk, log_path, expected_load, expect_shell=False):
    """Boots `disk` through U-Boot, checks the kernel comes up at
    `expected_load` and powers off cleanly. Prints phase timings."""
    cmd = [args.qemu, "-M", "virt", "-smp", str(args.smp), "-m", "512M", "-nographic",
           "-bios", args.fw_jump, "-kernel", args.uboot,
           "-drive", "file=%s,format=raw,if=none,id=sd" % disk,
           "-device", "virtio-blk-device,drive=sd"]
    # No -no-reboot: a kernel that resets instead of powering off lands back
    # in U-Boot, QEMU keeps running, and the test fails instead of passing.
    start = time.monotonic()
    marks = []

    def mark(what):
        marks.append("%s %.1fs" % (what, time.monotonic() - start))

    with Qemu(cmd, log_path=log_path, deadline=BOOT_DEADLINE) as q:
        q.expect(r"U-Boot 20\d\d\.\d\d", timeout=UBOOT_TIMEOUT)
        q.expect(r"Retrieving file: /extlinux/extlinux\.conf", timeout=UBOOT_TIMEOUT)
        q.expect(r"Retrieving file: /Image", timeout=UBOOT_TIMEOUT)
        mark("U-Boot loaded /Image")
        # The console arrives in pieces: anchor the number on what follows it,
        # or a regex could match the first digits of an address half-printed.
        moved = q.expect(r"Moving Image from (0x[0-9a-fA-F]+) to (0x[0-9a-fA-F]+)[^0-9a-fA-F]",
                         timeout=KERNEL_TIMEOUT)
        destination = int(moved.group(2), 16)
        if destination != expected_load:
            raise AssertionError("U-Boot moved the kernel to %#x, expected %#x"
                                 % (destination, expected_load))
        q.expect(r"Starting kernel", timeout=KERNEL_TIMEOUT)
        kernel_from = q.cursor
        q.expect(r"^Rivet 0\.1\.0", timeout=KERNEL_TIMEOUT)
        mark("kernel banner")
        q.expect(r"rivet: all %d harts online" % args.smp, timeout=PROMPT_TIMEOUT)
        if expect_shell:
            q.expect(r"rivet: root file system is vda\d+", timeout=PROMPT_TIMEOUT)
            q.expect(r"init: starting /bin/sh", timeout=PROMPT_TIMEOUT)
            q.expect(r"\$ ", timeout=PROMPT_TIMEOUT)
        else:
            q.expect(r"rivet> ", timeout=PROMPT_TIMEOUT)
        mark("monitor prompt")

        reported = re.search(r"rivet: kernel at physical (0x[0-9a-fA-F]+)[^0-9a-fA-F]",
                             q.output[kernel_from:q.cursor])
        if reported:
            address = int(reported.group(1), 16)
            if address != expected_load:
                raise AssertionError("kernel reports running at %#x, expected %#x"
                                     % (address, expected_load))
            print("kernel reports its load address %#x, as expected" % address)
        else:
            print("note: the kernel did not print 'rivet: kernel at physical 0x...'")

        q.send("poweroff\r", char_delay=0.02)
        q.expect(r"rivet: powering off", timeout=POWEROFF_TIMEOUT)
        status = q.wait_exit(timeout=POWEROFF_TIMEOUT)
        mark("QEMU exited")
        if status != 0:
            raise AssertionError("QEMU exited with status %d after poweroff, expected 0" % status)
    print("boot of %s: %s" % (os.path.basename(disk), ", ".join(marks)), flush=True)


def log_for(base, suffix):
    root, ext = os.path.splitext(base)
    return "%s.%s%s" % (root, suffix, ext or ".log")


def main():
    args = parse_args()
    require_file(args.fw_jump, "OpenSBI", " (the 'firmware' target fetches it)")
    require_file(args.uboot, "U-Boot", " (the 'firmware' target fetches it)")
    require_file(args.kernel, "kernel Image", " (build the rivet_target target)")
    os.makedirs(args.workdir, exist_ok=True)

    with open(args.kernel, "rb") as f:
        kernel = f.read()
    shipped_offset = read_text_offset(kernel)

    if args.mode == "virt":
        require_file(args.sd_image, "board image", " (build the image-qemu-virt target)")
        disk = os.path.join(args.workdir, "sd.img")
        sparse_copy(args.sd_image, disk)
        boot(args, disk, args.log, RAM_BASE + shipped_offset, expect_shell=True)
        return

    for text in args.offsets.split(","):
        offset = int(text, 0)
        if offset % (2 << 20) != 0:
            raise AssertionError("text_offset %#x is not a multiple of 2 MiB" % offset)
        if offset == shipped_offset:
            print("note: the Image already has text_offset %#x" % offset)
        patched = bytearray(kernel)
        struct.pack_into("<Q", patched, TEXT_OFFSET_AT, offset)
        tag = "%#x" % offset
        image = os.path.join(args.workdir, "Image-" + tag)
        fat = os.path.join(args.workdir, "boot-%s.fat" % tag)
        disk = os.path.join(args.workdir, "sd-%s.img" % tag)
        with open(image, "wb") as f:
            f.write(patched)
        run_tool([args.make_boot_fat, fat, args.boot_fat_size, image, args.extlinux])
        run_tool([args.mkimage, "--quiet", "--out", disk, "--size", args.disk_size,
                  "--seed", "text-offset", "--part", "%s,file=%s" % (args.boot_part, fat)])
        os.unlink(fat)
        print("booting with text_offset %s (kernel expected at %#x)" % (tag, RAM_BASE + offset),
              flush=True)
        boot(args, disk, log_for(args.log, tag), RAM_BASE + offset)


if __name__ == "__main__":
    run_test(main)
