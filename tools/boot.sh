#!/usr/bin/env bash
# Builds Rivet and boots it in QEMU on this terminal's serial console.
#
# usage: tools/boot.sh [OPTION]...
#   (no option)        build, then boot QEMU virt: OpenSBI (fw_jump), the
#                      kernel, 4 harts, 1 GiB, and a fresh copy of the SD image
#   --smp N            N harts (1 to the kernel's kMaxHarts)
#   --mem SIZE         RAM, e.g. 256M or 2G (QEMU's -m; at least 36M)
#   --uboot            through U-Boot and the SD-card image, as a board boots
#   --gdb              QEMU waits for GDB on localhost:1234 (see README)
#   --no-build         boot what is built; do not run setup.sh or the build
#   --keep-disk        boot build/boards/BOARD/sd-kept.img, made from the
#                      image the first time and kept from one run to the next
#   --disk FILE        boot FILE (made from the image if missing) and keep it
#   --board NAME       a board's image through that board's own firmware
#                      chain, where QEMU has the machine (qemu-virt,
#                      hifive-unleashed); says so where it has not
#   --machine sifive_u the kernel directly on QEMU's HiFive Unleashed
#                      (fw_jump + Image), the board's SD image as its card
#   --dry-run          print the QEMU command line and exit (no build, no copy)
#   -h, --help         this text
# Without --keep-disk or --disk every run boots its own copy of the image,
# deleted when QEMU exits: runs never share a disk, and nothing a session
# writes survives it. A kept disk is locked while a run uses it.
# Leave QEMU with Ctrl-A X, or type `poweroff` at the prompt.
# Environment: RIVET_BUILD_DIR (default build), QEMU (default qemu-system-riscv64).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '4,/^# Leave QEMU/s/^# \{0,1\}//p' "$0" | sed "s/the kernel's kMaxHarts/$max_harts, the kernel's kMaxHarts/"; }
die() { echo "boot.sh: $*" >&2; exit 2; }

# The kernel's hart limit, from its one definition.
max_harts=$(sed -n 's/^inline constexpr size_t kMaxHarts = \([0-9]*\);.*/\1/p' kernel/dt/machine.h)
[[ -n $max_harts ]] || max_harts=16
# OpenSBI's fw_jump places the device tree 34 MiB into RAM (0x82200000):
# with 34 MiB or less QEMU prints nothing at all. 36 MiB is the least that
# has been seen to reach the shell (35 MiB usable by the kernel).
min_mem_mib=36

smp=4 mem=1G uboot=0 gdb=0 board="" machine=virt build=1 keep=0 disk_arg="" dry_run=0
fresh_disk="" nudge=""
while (($#)); do
  opt=$1
  case $opt in
    --smp|--mem|--board|--machine|--disk)
      [[ $# -ge 2 && -n $2 && $2 != --* ]] || die "$opt needs a value (see tools/boot.sh --help)"
      val=$2; shift 2
      case $opt in
        --smp) smp=$val ;; --mem) mem=$val ;; --board) board=$val ;;
        --machine) machine=$val ;; --disk) disk_arg=$val ;;
      esac ;;
    --uboot) uboot=1; shift ;;
    --gdb) gdb=1; shift ;;
    --no-build) build=0; shift ;;
    --keep-disk) keep=1; shift ;;
    --dry-run) dry_run=1; build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $opt (see tools/boot.sh --help)" ;;
  esac
done
case $machine in
  virt|sifive_u) ;;
  *) die "--machine must be virt or sifive_u, not '$machine'" ;;
esac
[[ $smp =~ ^[0-9]+$ ]] && ((10#$smp >= 1)) || die "--smp needs a number of harts, not '$smp'"
smp=$((10#$smp))
((smp <= max_harts)) || die "--smp $smp: the kernel runs at most $max_harts harts (kMaxHarts in kernel/dt/machine.h)"
if [[ $mem =~ ^([0-9]+)([KkMmGgTt]?)[Bb]?$ ]]; then
  n=$((10#${BASH_REMATCH[1]}))
  case ${BASH_REMATCH[2]} in
    K|k) mem_mib=$((n / 1024)) ;; ""|M|m) mem_mib=$n ;; G|g) mem_mib=$((n * 1024)) ;; T|t) mem_mib=$((n * 1024 * 1024)) ;;
  esac
else
  die "--mem needs a size such as 256M or 2G, not '$mem'"
fi
((mem_mib >= min_mem_mib)) || die "--mem $mem: too little memory: OpenSBI (fw_jump) puts the device tree 34 MiB into RAM, and the kernel needs room above it; use at least ${min_mem_mib}M"
((keep == 0)) || [[ -z $disk_arg ]] || die "--keep-disk and --disk FILE exclude each other"

build_dir=${RIVET_BUILD_DIR:-build}
qemu=${QEMU:-qemu-system-riscv64}

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
  case $board_qemu in
    sifive-chain|uboot-virt) ;;
    *) echo "boot.sh: boards/$board/board.cmake names an unknown QEMU boot '$board_qemu'" >&2; exit 1 ;;
  esac
fi

if ((build)); then
  tools/setup.sh
  cmake --preset default >/dev/null
  cmake --build --preset default
fi
fw=$build_dir/firmware/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin

# The disk: whose image, and which file QEMU gets.
if [[ $board_qemu == sifive-chain || $machine == sifive_u ]]; then
  image_board=${board:-hifive-unleashed}
else
  image_board=qemu-virt
fi
image=$build_dir/boards/$image_board/sd.img
if [[ -n $disk_arg ]]; then
  disk=$disk_arg
elif ((keep)); then
  disk=$build_dir/boards/$image_board/sd-kept.img
else
  disk=""   # a fresh copy, named below
fi

# The QEMU command line for this machine, with @DISK@ standing for the disk.
gdb_args=()
((gdb)) && gdb_args=(-gdb tcp:localhost:1234 -S)
if [[ $board_qemu == sifive-chain ]]; then
  # The whole HiFive Unleashed chain: QEMU's -bios is the image's SPL (QEMU
  # never reads partition 1), the SPL loads U-Boot from sector 2082 of the
  # card, U-Boot boots extlinux.conf. -m 8G: less crashes the SPL. The
  # emulated SPI flash holds the QEMU 7.2 nudge, a boot script that makes
  # U-Boot retry the card (tests/harness/make-sifive-nudge.sh says why);
  # it is not part of the image.
  [[ $smp == 4 && $mem == 1G ]] || echo "boot.sh: note: sifive_u has 5 harts and needs 8 GiB; --smp/--mem ignored" >&2
  nudge=$build_dir/boards/$board/qemu-nudge-flash.$$.img  # per run, like the disk
  cmd=("$qemu" -M sifive_u,msel=11 -smp 5 -m 8G -nographic
       -bios "$build_dir/firmware/u-boot-sifive/usr/lib/u-boot/sifive_unleashed/u-boot-spl.bin"
       -drive "file=@DISK@,if=sd,format=raw" -drive "file=$nudge,if=mtd,format=raw")
elif [[ $machine == sifive_u ]]; then
  # The kernel directly on QEMU's HiFive Unleashed, the Unleashed image as
  # its SD card (behind SPI, as on the board).
  [[ $smp == 4 && $mem == 1G ]] || echo "boot.sh: note: sifive_u has 5 harts and needs 8 GiB; --smp/--mem ignored" >&2
  cmd=("$qemu" -M sifive_u -smp 5 -m 8G -nographic -bios "$fw"
       -kernel "$build_dir/target/kernel/Image" -drive "file=@DISK@,if=sd,format=raw")
else
  [[ $board_qemu == uboot-virt ]] && uboot=1
  kernel=$build_dir/target/kernel/Image
  ((uboot)) && kernel=$build_dir/firmware/u-boot-qemu/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
  # Rivet drives virtio-mmio, not the PCI device `if=virtio` makes.
  cmd=("$qemu" -M virt -smp "$smp" -m "$mem" -nographic -bios "$fw" -kernel "$kernel"
       -drive "file=@DISK@,format=raw,if=none,id=sd" -device virtio-blk-device,drive=sd)
fi
cmd+=("${gdb_args[@]}")

if ((dry_run)); then
  if [[ -n $disk ]]; then
    echo "# disk: $disk (kept)"
  else
    echo "# disk: a fresh copy of $image, deleted when QEMU exits"
  fi
  shown=${disk:-$build_dir/boards/$image_board/sd-run.PID.img}
  echo "${cmd[*]//@DISK@/$shown}"
  exit 0
fi

[[ -f $image ]] || { echo "boot.sh: no image $image (build first, or drop --no-build)" >&2; exit 1; }
if [[ -n $disk ]]; then
  # A kept disk: made from the image once, then used as it is. The lock
  # (held by QEMU until it exits) stops a second run from using it too.
  if [[ ! -e $disk ]]; then
    cp --sparse=always "$image" "$disk"
    echo "boot.sh: $disk is a new copy of $image; it is kept after QEMU exits" >&2
  fi
  exec {lock_fd}>>"$disk.lock"
  if ! flock -n "$lock_fd"; then
    echo "boot.sh: $disk is in use by another boot.sh run; stop that one, or run without --keep-disk/--disk for a fresh copy" >&2
    exit 1
  fi
  echo "boot.sh: booting $disk (kept; delete it to start again from the image)" >&2
else
  # A fresh, private copy for this run only, removed when QEMU exits.
  disk=$build_dir/boards/$image_board/sd-run.$$.img
  fresh_disk=$disk
  cp --sparse=always "$image" "$disk"
fi
trap 'rm -f ${fresh_disk:+"$fresh_disk"} ${nudge:+"$nudge"}' EXIT
trap 'exit 130' INT TERM
if [[ $board_qemu == sifive-chain ]]; then
  tests/harness/make-sifive-nudge.sh "$nudge" >/dev/null
fi
((gdb)) && echo "boot.sh: QEMU is waiting for GDB on localhost:1234 (gdb-multiarch $build_dir/target/kernel/rivet.elf -ex 'target remote localhost:1234')" >&2
"${cmd[@]//@DISK@/$disk}"
