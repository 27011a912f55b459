#!/usr/bin/env bash
# Builds Rivet and boots it in QEMU `virt` on this terminal's serial console.
#   tools/boot.sh                 OpenSBI (fw_jump) + the kernel + the SD image, 4 harts, 1 GiB
#   tools/boot.sh --smp 2 --mem 256M
#   tools/boot.sh --uboot         through U-Boot and the SD-card image, as a board boots
#   tools/boot.sh --gdb           wait for GDB on localhost:1234 (see README)
# Leave QEMU with Ctrl-A X, or type `poweroff` at the prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
smp=4 mem=1G uboot=0 gdb=()
while (($#)); do
  case "$1" in
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --uboot) uboot=1; shift ;;
    --gdb) gdb=(-s -S); shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
tools/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
fw=build/firmware/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
# The machine gets a private copy of the SD-card image (boot, root and swap
# partitions) on a virtio-mmio disk, so a session's writes do not change the
# built image. Rivet drives virtio-mmio, not the PCI device `if=virtio` makes.
disk=build/boards/qemu-virt/sd-run.img
cp --sparse=always build/boards/qemu-virt/sd.img "$disk"
drive=(-drive "file=$disk,format=raw,if=none,id=sd" -device virtio-blk-device,drive=sd)
if ((uboot)); then
  exec qemu-system-riscv64 -M virt -smp "$smp" -m "$mem" -nographic -bios "$fw" \
    -kernel build/firmware/u-boot-qemu/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin \
    "${drive[@]}" "${gdb[@]}"
fi
exec qemu-system-riscv64 -M virt -smp "$smp" -m "$mem" -nographic -bios "$fw" \
  -kernel build/target/kernel/Image "${drive[@]}" "${gdb[@]}"
