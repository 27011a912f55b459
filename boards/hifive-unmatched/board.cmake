# SiFive HiFive Unmatched (FU740-C000), MSEL 1011 (boot from the SD card):
# the same layout as the Unleashed, with the sifive_unmatched firmware. The
# boot ROM reads the SPL from the partition of type 5B193300-..., the SPL
# reads U-Boot's FIT image from raw sector 2082 (partition 2). U-Boot's
# standard boot then reads extlinux.conf from the bootable FAT partition.
# (Debian's README gives sectors 40/2088: that is the SPI-flash layout.)
#
#   sectors 34..2081       p1 spl   u-boot-spl.bin (sifive_unmatched)
#   sectors 2082..10273    p2 uboot u-boot.itb (OpenSBI + U-Boot + tree)
#   sectors 16384..        p3 boot, p4 root, p5 swap
#
# QEMU has no Unmatched machine; 512 MiB keeps the image the same size as
# the Unleashed one.
set(board_title "HiFive Unmatched")
set(board_console ttySIF0)
set(board_disk_size 512M)
set(board_boot_size 64M)
set(board_firmware
  "name=spl,type=5B193300-FC78-40CD-8002-E86C45580B47,start=34,size=2048,file=@FIRMWARE@/u-boot-sifive/usr/lib/u-boot/sifive_unmatched/u-boot-spl.bin"
  "name=uboot,type=2E54B353-1271-4842-806F-E436D6AF6985,start=2082,size=8192,file=@FIRMWARE@/u-boot-sifive/usr/lib/u-boot/sifive_unmatched/u-boot.itb")
set(board_qemu "")
