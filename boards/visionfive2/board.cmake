# StarFive VisionFive 2 (JH7110), boot mode SD: the boot ROM finds the SPL
# by its partition type 2E54B353-... (on the SiFive boards that GUID means
# the U-Boot FIT image: do not mix them up), the SPL loads partition
# number 2 (type BC13C2FF-...). U-Boot's standard boot then reads
# extlinux.conf from the bootable FAT partition.
#
#   sectors 4096..8191     p1 spl   u-boot-spl.bin.normal.out
#   sectors 8192..16383    p2 uboot u-boot.itb (OpenSBI + U-Boot + tree)
#   sectors 16384..        p3 boot, p4 root, p5 swap
#
# A board that boots StarFive's vendor U-Boot from its QSPI flash ignores
# p1/p2 and runs distro boot on p3 (the bootable partition) with its own
# device tree; the same image serves both.
set(board_title "VisionFive 2")
set(board_console ttyS0)
set(board_disk_size 512M)
set(board_boot_size 64M)
set(board_firmware
  "name=spl,type=2E54B353-1271-4842-806F-E436D6AF6985,start=4096,size=4096,file=@FIRMWARE@/u-boot-starfive/usr/lib/u-boot/starfive_visionfive2/u-boot-spl.bin.normal.out"
  "name=uboot,type=BC13C2FF-59E6-4262-A352-B275FD6F7172,start=8192,size=8192,file=@FIRMWARE@/u-boot-starfive/usr/lib/u-boot/starfive_visionfive2/u-boot.itb")
set(board_qemu "")
