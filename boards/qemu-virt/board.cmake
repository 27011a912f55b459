# QEMU's `virt` machine, booted from the image by U-Boot qemu-riscv64_smode
# (on OpenSBI fw_jump, both given to QEMU on its command line: the machine
# has no boot ROM that reads a card, so the image holds no firmware).
#
#   sectors 16384..81919   p1 boot (FAT, bootable): /Image, extlinux, RAM disk
#   sectors 81920..212991  p2 root: Rivet's root file system
#   sectors 212992..737279 p3 swap (256 MiB)
set(board_title "QEMU virt")
set(board_console ttyS0)
set(board_disk_size 384M)
set(board_boot_size 32M)
set(board_firmware "")
set(board_qemu uboot-virt)
# Nobody writes this image to a card: no sd.img.xz.
set(board_xz OFF)
