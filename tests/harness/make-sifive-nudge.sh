#!/usr/bin/env bash
# Builds the SPI-flash image that gets U-Boot on QEMU 7.2's sifive_u machine
# to read the SD card. For QEMU only: never part of a board image.
#
# usage: make-sifive-nudge.sh OUTPUT
#
# Why: on QEMU 7.2, U-Boot's first `mmc dev 0` on sifive_u fails without a
# message (the emulated card answers the first CMD0 of an already
# initialised card with 0x00), so distro boot's first target, mmc0, finds
# nothing. The next target is sf0: it reads a boot script from SPI flash at
# offset 0x1fff000 (script_offset_f). This image is a 32 MiB flash (QEMU
# models an is25wp256) holding, at that offset, a script that tries mmc0
# again, which then works. The flash is otherwise empty (0x00, so U-Boot
# reports a bad environment CRC and uses its built-in one: harmless).
# On a real board nothing of this is needed or used.
set -euo pipefail

prog=$(basename "$0")
[[ $# -eq 1 ]] || { echo "usage: $prog OUTPUT" >&2; exit 2; }
out=$1
command -v mkimage >/dev/null || { echo "$prog: mkimage not found (Debian package u-boot-tools)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/nudge.txt" <<'SCRIPT'
echo rivet-harness: QEMU 7.2 nudge: second try at the SD card (mmc0)
run bootcmd_mmc0
SCRIPT
mkimage -A riscv -O linux -T script -C none -n "rivet QEMU nudge" -d "$work/nudge.txt" "$work/nudge.scr" >/dev/null
# Sparse 32 MiB file; the script at 0x1fff000 (script_offset_f of U-Boot's
# sifive_unleashed environment), which leaves 4 KiB (script_size_f).
truncate -s 32M "$work/nor.img"
dd if="$work/nudge.scr" of="$work/nor.img" bs=4096 seek=$((0x1fff000 / 4096)) conv=notrunc status=none
mv -f "$work/nor.img" "$out"
