#!/usr/bin/env bash
# Builds Rivet and boots it in QEMU on this terminal's serial console.
#   tools/boot.sh                 OpenSBI (fw_jump) + the kernel + the SD image, 4 harts, 1 GiB
#   tools/boot.sh --smp 2 --mem 256M
#   tools/boot.sh --uboot         through U-Boot and the SD-card image, as a board boots
#   tools/boot.sh --gdb           wait for GDB on localhost:1234 (see README)
#   tools/boot.sh --board NAME    a board's image through that board's own firmware
#                                 chain, where QEMU has the machine (qemu-virt,
#                                 hifive-unleashed); says so where it has not
#   tools/boot.sh --machine sifive_u   the kernel directly on QEMU's HiFive
#                                 Unleashed (fw_jump + Image), the board's SD image as its card
# Leave QEMU with Ctrl-A X, or type `poweroff` at the prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
smp=4 mem=1G uboot=0 gdb=() board="" machine=virt
while (($#)); do
  case "$1" in
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --uboot) uboot=1; shift ;;
    --gdb) gdb=(-s -S); shift ;;
    --board) [[ $# -ge 2 ]] || { echo "boot.sh: --board needs a board name" >&2; exit 2; }
             board=$2; shift 2 ;;
    --machine) [[ $# -ge 2 ]] || { echo "boot.sh: --machine needs virt or sifive_u" >&2; exit 2; }
               machine=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case $machine in
  virt|sifive_u) ;;
  *) echo "boot.sh: --machine must be virt or sifive_u, not '$machine'" >&2; exit 2 ;;
esac

# A board's package says how QEMU boots its image (board_qemu in
# boards/NAME/board.cmake); decide before spending minutes on a build.
board_setting() {  # board_setting NAME VARIABLE -> the value set() gives it
  sed -n "s/^set($2 \"\{0,1\}\([^\")]*\)\"\{0,1\})\$/\1/p" "boards/$1/board.cmake" | tail -n1
}
board_qemu=""
if [[ -n $board ]]; then
  if [[ ! $board =~ ^[A-Za-z0-9._-]+$ || ! -f boards/$board/board.cmake ]]; then
    known=$(ls -d boards/*/board.cmake | sed 's,boards/,,; s,/board.cmake,,' | tr '\n' ' ')
    echo "boot.sh: no board '$board' (boards: ${known% })" >&2
    exit 2
  fi
  board_qemu=$(board_setting "$board" board_qemu)
  if [[ -z $board_qemu ]]; then
    echo "boot.sh: QEMU has no $(board_setting "$board" board_title) machine, so this board's" \
         "image cannot boot here. Write it to a card: ./flash.sh --board $board DEVICE" \
         "(see boards/$board/README.md)." >&2
    exit 1
  fi
fi

tools/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
fw=build/firmware/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin

# Every machine gets a private copy of its SD-card image, so a session's
# writes do not change the built image.
private_copy() {  # private_copy BOARD -> path of the copy
  local copy=build/boards/$1/sd-run.img
  cp --sparse=always "build/boards/$1/sd.img" "$copy"
  echo "$copy"
}

if [[ $board_qemu == sifive-chain ]]; then
  # The whole HiFive Unleashed chain: QEMU's -bios is the image's SPL (QEMU
  # never reads partition 1), the SPL loads U-Boot from sector 2082 of the
  # card, U-Boot boots extlinux.conf. -m 8G: less crashes the SPL. The
  # emulated SPI flash holds the QEMU 7.2 nudge, a boot script that makes
  # U-Boot retry the card (tests/harness/make-sifive-nudge.sh says why);
  # it is not part of the image.
  [[ $smp == 4 && $mem == 1G ]] || echo "boot.sh: note: sifive_u has 5 harts and needs 8 GiB; --smp/--mem ignored" >&2
  disk=$(private_copy "$board")
  nudge=build/boards/$board/qemu-nudge-flash.img
  tests/harness/make-sifive-nudge.sh "$nudge"
  exec qemu-system-riscv64 -M sifive_u,msel=11 -smp 5 -m 8G -nographic \
    -bios build/firmware/u-boot-sifive/usr/lib/u-boot/sifive_unleashed/u-boot-spl.bin \
    -drive "file=$disk,if=sd,format=raw" -drive "file=$nudge,if=mtd,format=raw" "${gdb[@]}"
fi
if [[ $board_qemu == uboot-virt ]]; then
  uboot=1
elif [[ -n $board_qemu ]]; then
  echo "boot.sh: boards/$board/board.cmake names an unknown QEMU boot '$board_qemu'" >&2
  exit 1
fi

if [[ $machine == sifive_u ]]; then
  # The kernel directly on QEMU's HiFive Unleashed, the Unleashed image as
  # its SD card (behind SPI, as on the board).
  [[ $smp == 4 && $mem == 1G ]] || echo "boot.sh: note: sifive_u has 5 harts and needs 8 GiB; --smp/--mem ignored" >&2
  disk=$(private_copy hifive-unleashed)
  exec qemu-system-riscv64 -M sifive_u -smp 5 -m 8G -nographic -bios "$fw" \
    -kernel build/target/kernel/Image -drive "file=$disk,if=sd,format=raw" "${gdb[@]}"
fi

# Rivet drives virtio-mmio, not the PCI device `if=virtio` makes.
disk=$(private_copy qemu-virt)
drive=(-drive "file=$disk,format=raw,if=none,id=sd" -device virtio-blk-device,drive=sd)
if ((uboot)); then
  exec qemu-system-riscv64 -M virt -smp "$smp" -m "$mem" -nographic -bios "$fw" \
    -kernel build/firmware/u-boot-qemu/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin \
    "${drive[@]}" "${gdb[@]}"
fi
exec qemu-system-riscv64 -M virt -smp "$smp" -m "$mem" -nographic -bios "$fw" \
  -kernel build/target/kernel/Image "${drive[@]}" "${gdb[@]}"
