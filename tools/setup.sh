#!/usr/bin/env bash
# Installs every Debian package Rivet's build, QEMU runs and tests need, if
# missing. Safe to run repeatedly: it only calls apt-get when something is
# absent. Called by tools/boot.sh and tools/test.sh; nobody needs to run it by
# hand. Works as root or through sudo.
set -euo pipefail

# Build: host compiler, CMake/Ninja, GoogleTest; the cross compiler for the
# kernel and user space. Run: QEMU (riscv64 system emulator, 7.2 in Debian 12).
# Images: gdisk (sgdisk, cross-checks GPT), mtools + dosfstools (FAT boot
# partitions without root), device-tree-compiler, u-boot-tools (mkimage,
# dumpimage, mkenvimage). Board images: bmap-tools (bmaptool create/copy),
# xz-utils (the compressed images), util-linux (lsblk, findmnt, blockdev
# for flash.sh; always present, listed for clarity).
# Firmware fetch: curl, ca-certificates, dpkg-deb (part of dpkg).
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgtest-dev googletest
  g++-riscv64-linux-gnu binutils-riscv64-linux-gnu
  qemu-system-misc
  python3
  gdisk mtools dosfstools device-tree-compiler u-boot-tools
  bmap-tools xz-utils util-linux
  curl ca-certificates
  gdb-multiarch
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The versions the project is developed and tested with. Other versions may
# work; say so loudly rather than fail in a confusing way later.
gcc_major=$(riscv64-linux-gnu-g++ -dumpversion | cut -d. -f1)
qemu_version=$(qemu-system-riscv64 --version | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -n1)
if [ "$gcc_major" != "12" ]; then
  echo "setup: warning: riscv64-linux-gnu-g++ $gcc_major (Rivet is tested with 12)" >&2
fi
case "$qemu_version" in
  7.2*) ;;
  *) echo "setup: warning: QEMU $qemu_version (Rivet is tested with 7.2)" >&2 ;;
esac
