#!/usr/bin/env bash
# Builds a FAT boot-partition image for U-Boot's extlinux boot:
#   /Image                     the kernel
#   /extlinux/extlinux.conf    the boot menu
#   /initrd                    optional initial ramdisk (or INITRD_NAME)
#
# usage: make-boot-fat.sh OUTPUT SIZE KERNEL_IMAGE EXTLINUX_CONF [INITRD [INITRD_NAME]]
#   SIZE: bytes with suffix K, M or G (powers of 1024), whole KiB.
#   INITRD_NAME: its absolute path on the FAT (default /initrd), a file in
#   the root directory.
#
# Uses mkfs.fat (dosfstools) and mmd/mcopy (mtools) on a plain file: no root,
# no loop devices. The output is reproducible for the same inputs: fixed
# volume ID, no time-based values, file times taken from SOURCE_DATE_EPOCH
# (default 1980-01-01, FAT's epoch).
set -euo pipefail

prog=$(basename "$0")
die() { echo "$prog: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0" >&2; exit 2; }

[[ $# -ge 4 && $# -le 6 ]] || usage
out=$1 size=$2 kernel=$3 extlinux=$4 initrd=${5:-} initrd_name=${6:-/initrd}
[[ $initrd_name =~ ^/[A-Za-z0-9._-]+$ ]] ||
  die "initrd name '$initrd_name' must be /NAME (letters, digits, '.', '_', '-')"

# mkfs.fat and friends live in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/sbin:/sbin
for tool in mkfs.fat mmd mcopy; do
  command -v "$tool" >/dev/null ||
    die "$tool not found (install the Debian packages dosfstools and mtools)"
done

[[ -f $kernel ]] || die "kernel image '$kernel' does not exist"
[[ -f $extlinux ]] || die "extlinux.conf '$extlinux' does not exist"
[[ -z $initrd || -f $initrd ]] || die "initrd '$initrd' does not exist"

# SIZE -> KiB, which is what mkfs.fat -C counts in.
[[ $size =~ ^([0-9]+)([KkMmGg])$ ]] || die "size '$size' must be a number with suffix K, M or G"
case ${BASH_REMATCH[2]} in
  [Kk]) kib=${BASH_REMATCH[1]} ;;
  [Mm]) kib=$((BASH_REMATCH[1] * 1024)) ;;
  [Gg]) kib=$((BASH_REMATCH[1] * 1024 * 1024)) ;;
esac
((kib >= 64)) || die "size '$size' is too small for a FAT file system"

# Everything must fit with room for the FAT and directories; mcopy would
# report a full disk too, but less clearly.
payload=$(($(stat -c %s "$kernel") + $(stat -c %s "$extlinux")))
[[ -z $initrd ]] || payload=$((payload + $(stat -c %s "$initrd")))
((payload + 256 * 1024 <= kib * 1024)) ||
  die "kernel, extlinux.conf and initrd ($payload bytes) do not fit in a $size FAT image"

# Build under a temporary name; rename only when complete.
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
rm -f "$tmp"

# mkfs.fat picks FAT12/16/32 by size; U-Boot reads all three.
mkfs.fat -C -n RIVET-BOOT --invariant "$tmp" "$kib" >/dev/null ||
  die "mkfs.fat failed"

export MTOOLS_SKIP_CHECK=1
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-315532800}  # 1980-01-01, FAT's epoch
stamp() { touch -d "@$SOURCE_DATE_EPOCH" "$@"; }

# mcopy records each file's modification time; give it fixed ones through
# private copies so the image does not depend on when the inputs were built.
stage=$(mktemp -d)
trap 'rm -f "$tmp"; rm -rf "$stage"' EXIT
cp "$kernel" "$stage/Image"
cp "$extlinux" "$stage/extlinux.conf"
[[ -z $initrd ]] || cp "$initrd" "$stage/initrd"
stamp "$stage"/*

mmd -i "$tmp" ::/extlinux || die "mmd failed"
mcopy -m -i "$tmp" "$stage/Image" ::/Image || die "copying the kernel failed"
mcopy -m -i "$tmp" "$stage/extlinux.conf" ::/extlinux/extlinux.conf || die "copying extlinux.conf failed"
if [[ -n $initrd ]]; then
  mcopy -m -i "$tmp" "$stage/initrd" "::$initrd_name" || die "copying the initrd failed"
fi

mv -f "$tmp" "$out"
trap 'rm -rf "$stage"' EXIT
