#!/usr/bin/env bash
# Writes a Rivet SD-card image to a card, and refuses anything that could be
# another disk.
#
#   ./flash.sh --list                      removable disks you could write to
#   ./flash.sh --board NAME DEVICE         build/boards/NAME/sd.img to DEVICE
#   ./flash.sh IMAGE DEVICE                any image file to DEVICE
#
# DEVICE is a whole disk, e.g. /dev/sdb or /dev/mmcblk0. Before writing,
# flash.sh shows the disk (name, size, model, transport, removable) and asks;
# it refuses a partition, a read-only disk, a disk with anything mounted or
# used as swap, the disk holding /, a disk smaller than the image, and,
# unless overridden, a non-removable or very large disk. It writes with
# `bmaptool copy` when IMAGE.bmap exists (only the blocks that hold data,
# checksummed), otherwise with dd; then reads back what it wrote, compares
# it with the image and has the kernel re-read the partition table.
#
# Options:
#   --board NAME            the image of board NAME (build it first)
#   --yes                   do not ask (for scripts)
#   --allow-non-removable   accept a disk that does not report itself as
#                           removable (some built-in SD slots don't)
#   --allow-large           accept a disk larger than 256 GiB
#   --no-bmap               write the whole image with dd even if a .bmap exists
#   --to-regular-file       for the test suite: DEVICE is a regular file to
#                           create or replace; no disk checks, no partition
#                           table re-read
#   --list                  list candidate disks and exit
#   -h, --help              this text
set -euo pipefail

prog=flash.sh
here=$(cd "$(dirname "$0")" && pwd)
# Larger than any SD card one would sacrifice for a boot image, smaller than
# most system disks.
large_limit=$((256 << 30))

die() { echo "$prog: $*" >&2; exit 1; }
refuse() { echo "$prog: refusing: $*" >&2; exit 1; }
usage_error() { echo "$prog: $* (see $prog --help)" >&2; exit 2; }
note() { echo "$prog: $*" >&2; }
usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; }

human() {  # bytes -> "15.9 GB (14.8 GiB)" or "536.9 MB (512 MiB)"
  awk -v b="$1" 'BEGIN {
    if (b >= 1e9) printf "%.1f GB (%.1f GiB)", b / 1e9, b / 1073741824
    else printf "%.1f MB (%.0f MiB)", b / 1e6, b / 1048576 }'
}

# lsblk -P prints KEY="value" pairs; read one line of them into the
# associative array named $1 without eval (a model name may hold anything).
parse_pairs() {
  local -n into=$1
  local line=$2
  into=()
  while [[ $line =~ ^[[:space:]]*([A-Z:_-]+)=\"([^\"]*)\"(.*)$ ]]; do
    into[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    line=${BASH_REMATCH[3]}
  done
}

# The whole disks that hold the root file system (through partitions, LVM,
# encryption...). Nothing if / is not on a block device (a container's
# overlay, tmpfs): lsblk then knows no such device.
root_disks() {
  local source
  source=$(findmnt -nvo SOURCE / 2>/dev/null) || return 0
  lsblk -nlpso PATH,TYPE -- "$source" 2>/dev/null | awk '$2 == "disk" { print $1 }'
}

list_disks() {
  local line found=0
  local -A d
  printf '%-16s %-22s %-5s %-10s %s\n' DEVICE SIZE TRAN REMOVABLE MODEL
  while IFS= read -r line; do
    parse_pairs d "$line"
    [[ ${d[TYPE]:-} == disk ]] || continue
    [[ ${d[RM]:-0} == 1 || ${d[HOTPLUG]:-0} == 1 || ${d[TRAN]:-} == usb ]] || continue
    [[ ${d[SIZE]:-0} -gt 0 ]] || continue  # an empty card reader
    printf '%-16s %-22s %-5s %-10s %s\n' "${d[PATH]}" "$(human "${d[SIZE]}")" \
      "${d[TRAN]:--}" yes "${d[MODEL]:--}"
    found=1
  done < <(lsblk -dnbP -o PATH,TYPE,SIZE,RM,HOTPLUG,RO,TRAN,MODEL)
  if ((!found)); then
    echo "(no removable disk found: insert the card; a built-in SD slot may report"
    echo " itself as non-removable, see \`lsblk -d -o NAME,SIZE,RM,TRAN,MODEL\`)"
  fi
}

# ---- arguments: all of them are checked before anything is touched ----------
board="" yes=0 allow_nonremovable=0 allow_large=0 use_bmap=1 to_file=0 list=0
positional=()
while (($#)); do
  case $1 in
    --board)
      (($# >= 2)) || usage_error "--board needs a board name"
      board=$2; shift 2 ;;
    --board=*) board=${1#--board=}; shift ;;
    --yes|-y) yes=1; shift ;;
    --allow-non-removable) allow_nonremovable=1; shift ;;
    --allow-large) allow_large=1; shift ;;
    --no-bmap) use_bmap=0; shift ;;
    --to-regular-file) to_file=1; shift ;;
    --list) list=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; positional+=("$@"); break ;;
    -*) usage_error "unknown option '$1'" ;;
    *) positional+=("$1"); shift ;;
  esac
done

if ((list)); then
  ((${#positional[@]} == 0)) && [[ -z $board ]] || usage_error "--list takes no other arguments"
  list_disks
  exit 0
fi

if [[ -n $board ]]; then
  ((${#positional[@]} == 1)) || usage_error "with --board give exactly one DEVICE"
  [[ $board =~ ^[A-Za-z0-9._-]+$ && -f $here/boards/$board/board.cmake ]] || {
    known=$(cd "$here/boards" && ls -d -- */board.cmake 2>/dev/null | sed 's,/board.cmake,,' | tr '\n' ' ')
    usage_error "no board '$board' (boards: ${known% })"
  }
  image=${RIVET_BUILD_DIR:-$here/build}/boards/$board/sd.img
  device=${positional[0]}
  [[ -f $image ]] ||
    die "the $board image $image does not exist: build it first (cmake --build --preset default, or tools/test.sh)"
else
  ((${#positional[@]} == 2)) || usage_error "give IMAGE and DEVICE, or --board NAME and DEVICE"
  image=${positional[0]}
  device=${positional[1]}
  [[ -f $image ]] || die "image '$image' does not exist or is not a regular file"
  # The board, if the image is one of build/boards/NAME/sd.img: for the
  # instructions at the end.
  candidate=$(basename "$(dirname "$image")")
  [[ -f $here/boards/$candidate/board.cmake ]] && board=$candidate
fi

# ---- the image ----------------------------------------------------------------
image_size=$(stat -L -c %s -- "$image")
((image_size > 0)) || refuse "image $image is empty"
((image_size % 512 == 0)) || refuse "image $image is $image_size bytes, not a whole number of 512-byte sectors"
# A disk image starts with a protective MBR (0x55 0xAA at byte 510) and
# a GPT header at byte 512; anything else is probably the wrong file.
signature=$(od -An -tx1 -j510 -N2 -- "$image" | tr -d ' \n')
gpt_magic=$(dd if="$image" bs=1 skip=512 count=8 status=none)
[[ $signature == 55aa && $gpt_magic == "EFI PART" ]] ||
  refuse "$image is not a GPT disk image (no boot signature or GPT header)"
bmap=""
if ((use_bmap)) && [[ -f $image.bmap ]]; then
  if command -v bmaptool >/dev/null; then
    bmap=$image.bmap
    # The map must describe this very image, or bmaptool would write the
    # wrong blocks (it would also notice, but only half-way through).
    bmap_size=$(sed -n 's:.*<ImageSize>[[:space:]]*\([0-9]*\)[[:space:]]*</ImageSize>.*:\1:p' "$bmap")
    [[ $bmap_size == "$image_size" ]] ||
      refuse "$bmap is for a ${bmap_size:-?}-byte image, $image has $image_size bytes (rebuild, or --no-bmap)"
  else
    note "bmaptool not found (Debian package bmap-tools): writing the whole image with dd"
  fi
fi

# ---- the target ---------------------------------------------------------------
if ((to_file)); then
  # Test mode: the target is a plain file. Refuse anything that exists and is
  # not a regular file, so the option cannot reach a device.
  [[ ! -e $device || (-f $device && ! -L $device) ]] ||
    refuse "$device exists and is not a regular file (--to-regular-file writes only to regular files)"
  [[ $(realpath -m -- "$device") != $(realpath -- "$image") ]] || refuse "$device is the image itself"
  description="regular file $device"
else
  # lsblk is the judge of what DEVICE is: it knows only block devices.
  info=$(lsblk -dnbP -o PATH,TYPE,SIZE,RM,HOTPLUG,RO,TRAN,MODEL,PKNAME -- "$device" 2>/dev/null) ||
    refuse "$device is not a block device lsblk knows (see $prog --list)"
  declare -A disk
  parse_pairs disk "$info"
  dev_path=${disk[PATH]:-$device}
  case ${disk[TYPE]:-} in
    disk) ;;
    part) refuse "$device is a partition; give the whole disk${disk[PKNAME]:+ (/dev/${disk[PKNAME]})}" ;;
    *) refuse "$device is a ${disk[TYPE]:-device of unknown type}, not a whole disk" ;;
  esac
  [[ ${disk[RO]:-0} == 0 ]] ||
    refuse "$device is read-only (an SD card's lock switch, or a write-protected reader)"
  disk_size=${disk[SIZE]:-0}
  ((disk_size > 0)) || refuse "$device has no medium (size 0): insert the card"

  # The disk itself, each of its partitions and anything built on them.
  mapfile -t members < <(lsblk -nlpo PATH -- "$device" 2>/dev/null)
  ((${#members[@]})) || members=("$dev_path")
  for r in $(root_disks); do
    [[ $r != "$dev_path" ]] || refuse "$device holds the running system's root file system (/)"
  done
  # -v: a btrfs subvolume's mount names its device without "[/subvolume]".
  mounted=$(findmnt -rnvo SOURCE,TARGET 2>/dev/null | awk -v list="${members[*]}" '
    BEGIN { n = split(list, m, " "); for (i = 1; i <= n; i++) want[m[i]] = 1 }
    ($1 in want) { printf "%s on %s; ", $1, $2 }')
  [[ -z $mounted ]] || refuse "$device is in use: ${mounted%; } (unmount it first, e.g. udisksctl unmount -b PARTITION)"
  if [[ -r /proc/swaps ]]; then
    for m in "${members[@]}"; do
      ! awk 'NR > 1 { print $1 }' /proc/swaps | grep -qxF -- "$m" || refuse "$m is in use as swap"
    done
  fi
  if [[ ${disk[RM]:-0} != 1 && ${disk[HOTPLUG]:-0} != 1 && ${disk[TRAN]:-} != usb ]] && ((!allow_nonremovable)); then
    refuse "$device does not report itself as removable (${disk[TRAN]:-no transport}, ${disk[MODEL]:-no model}); if it really is the card (some built-in SD slots look like this), add --allow-non-removable"
  fi
  if ((disk_size > large_limit && !allow_large)); then
    refuse "$device is $(human "$disk_size"), larger than any card this is meant for; if it really is the card, add --allow-large"
  fi
  ((image_size <= disk_size)) ||
    refuse "$device ($(human "$disk_size")) is smaller than the image ($(human "$image_size"))"
  [[ -w $device ]] || die "cannot write to $device: run as root (sudo $0 ...)"
  removable=no
  [[ ${disk[RM]:-0} == 1 || ${disk[HOTPLUG]:-0} == 1 ]] && removable=yes
  description="$dev_path: $(human "$disk_size"), model ${disk[MODEL]:-unknown}, transport ${disk[TRAN]:-unknown}, removable $removable"
fi

# ---- confirm --------------------------------------------------------------------
echo "image:  $image ($(human "$image_size"))${board:+, board $board}"
echo "target: $description"
echo "method: $([[ -n $bmap ]] && echo "bmaptool copy with $(basename "$bmap")" || echo "dd of the whole image")"
if ((!yes)); then
  [[ -t 0 ]] || refuse "not asking on a non-interactive input; add --yes to write without asking"
  read -r -p "Everything on the target will be lost. Type 'yes' to write: " answer
  [[ $answer == yes ]] || refuse "not confirmed; nothing was written"
fi

# ---- write ----------------------------------------------------------------------
block=0
[[ -b $device ]] && block=1
if ((to_file)); then
  # Start from an empty file so that ranges bmaptool skips read as zeros,
  # exactly like the image's holes.
  : >"$device"
fi
if [[ -n $bmap ]]; then
  bmaptool copy --bmap "$bmap" -- "$image" "$device" || die "bmaptool copy failed; the card is not usable"
else
  direct=()
  ((block)) && direct=(oflag=direct)  # bypass the page cache on a real disk
  dd if="$image" of="$device" bs=4M conv=fsync,notrunc "${direct[@]}" status=progress ||
    die "dd failed; the card is not usable"
fi
if ((to_file)); then
  truncate -s "$image_size" -- "$device"  # the image's trailing hole, if any
fi
sync

# ---- read back and compare -------------------------------------------------------
# Drop the cached pages of a real disk so the comparison reads the card.
read_flags=()
((block)) && read_flags=(iflag=direct)
if [[ -n $bmap ]]; then
  # bmaptool wrote only the mapped ranges; compare exactly those.
  block_size=$(sed -n 's:.*<BlockSize>[[:space:]]*\([0-9]*\)[[:space:]]*</BlockSize>.*:\1:p' "$bmap")
  [[ $block_size =~ ^[0-9]+$ ]] || die "cannot read the block size from $bmap"
  ranges=$(sed -n 's:.*<Range[^>]*>[[:space:]]*\([0-9-]*\)[[:space:]]*</Range>.*:\1:p' "$bmap")
else
  ranges=""
fi
echo "$prog: reading back and comparing"
if [[ -z $bmap ]]; then
  cmp -n "$image_size" -- "$image" <(dd if="$device" bs=4M "${read_flags[@]}" status=none) ||
    die "the data read back from $device differs from the image: the card may be faulty"
else
  for range in $ranges; do
    first=${range%-*} last=${range#*-}
    count=$((last - first + 1))
    cmp -- <(dd if="$image" bs="$block_size" skip="$first" count="$count" status=none) \
      <(dd if="$device" bs="$block_size" skip="$first" count="$count" "${read_flags[@]}" status=none) ||
      die "blocks $range read back from $device differ from the image: the card may be faulty"
  done
fi
echo "$prog: the data read back matches the image"

if ((block)); then
  # So that the kernel (and the desktop) see the new partitions at once.
  blockdev --rereadpt "$device" 2>/dev/null ||
    note "could not re-read the partition table of $device (remove and re-insert the card to see the new partitions)"
fi

# ---- what next --------------------------------------------------------------------
echo
if [[ -n $board && -f $here/boards/$board/next-steps.txt ]]; then
  cat "$here/boards/$board/next-steps.txt"
else
  echo "Done. Put the card in the board; the board's README (boards/NAME/README.md)"
  echo "says how to set its boot switches and where its serial console is."
fi
