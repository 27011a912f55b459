#!/usr/bin/env bash
# Packages a built board image for distribution, next to it:
#   sd.img.bmap   the block map (bmaptool create): which ranges hold data and
#                 their SHA-256, so `bmaptool copy` (and flash.sh) writes
#                 only those and verifies them
#   sd.img.xz     the image compressed with xz (--xz; holes compress to
#                 almost nothing, so this is cheap)
#   SHA256SUMS    sha256sum's list for all of the above, for `sha256sum -c`
#
# usage: package-image.sh [--xz | --no-xz] IMAGE
set -euo pipefail

prog=$(basename "$0")
die() { echo "$prog: error: $*" >&2; exit 1; }

xz=1
case ${1:-} in
  --xz) xz=1; shift ;;
  --no-xz) xz=0; shift ;;
esac
[[ $# -eq 1 ]] || { echo "usage: $prog [--xz | --no-xz] IMAGE" >&2; exit 2; }
image=$1
[[ -f $image ]] || die "image '$image' does not exist"
command -v bmaptool >/dev/null || die "bmaptool not found (install the Debian package bmap-tools)"
((!xz)) || command -v xz >/dev/null || die "xz not found (install the Debian package xz-utils)"

dir=$(dirname "$image")
base=$(basename "$image")

# Each output is written under a temporary name and renamed when complete,
# so an interrupted build never leaves a truncated file that looks finished.
tmp_files=()
trap 'rm -f "${tmp_files[@]}"' EXIT

tmp_files+=("$image.bmap.tmp")
bmaptool -q create -o "$image.bmap.tmp" "$image" || die "bmaptool create failed"
mv -f "$image.bmap.tmp" "$image.bmap"

files=("$base" "$base.bmap")
if ((xz)); then
  tmp_files+=("$image.xz.tmp")
  # -T0: all cores. -3: -6 costs three times as long for 10% less.
  xz -T0 -3 -c "$image" >"$image.xz.tmp" || die "xz failed"
  mv -f "$image.xz.tmp" "$image.xz"
  files+=("$base.xz")
else
  rm -f "$image.xz"
fi

tmp_files+=("$dir/SHA256SUMS.tmp")
(cd "$dir" && sha256sum "${files[@]}") >"$dir/SHA256SUMS.tmp"
mv -f "$dir/SHA256SUMS.tmp" "$dir/SHA256SUMS"
