# Boots through the real firmware chain: OpenSBI fw_jump -> U-Boot
# (qemu-riscv64_smode) -> extlinux -> Rivet, from GPT disk images.
#   boot.uboot.virt         the qemu-virt board image as built
#   boot.uboot.text_offset  the kernel with text_offset patched to other
#                           2 MiB multiples, so booti runs it elsewhere
get_property(qemu_virt_image GLOBAL PROPERTY RIVET_QEMU_VIRT_IMAGE)
get_property(qemu_virt_disk_size GLOBAL PROPERTY RIVET_QEMU_VIRT_DISK_SIZE)
get_property(qemu_virt_fat_size GLOBAL PROPERTY RIVET_QEMU_VIRT_BOOT_FAT_SIZE)
get_property(qemu_virt_boot_part GLOBAL PROPERTY RIVET_QEMU_VIRT_BOOT_PART)
get_property(qemu_virt_extlinux GLOBAL PROPERTY RIVET_QEMU_VIRT_EXTLINUX)

set(uboot_common_args
  --fw-jump ${RIVET_FW_JUMP}
  --uboot ${RIVET_UBOOT_QEMU}
  --kernel ${RIVET_KERNEL_IMAGE}
  --smp 2)

rivet_boot_test(boot.uboot.virt test_uboot.py --mode virt ${uboot_common_args}
  --sd-image ${qemu_virt_image}
  --workdir ${CMAKE_CURRENT_BINARY_DIR}/boot.uboot.virt.d)

rivet_boot_test(boot.uboot.text_offset test_uboot.py --mode text-offset ${uboot_common_args}
  --offsets 0x600000,0x1000000
  --mkimage $<TARGET_FILE:rivet-mkimage>
  --make-boot-fat ${RIVET_MAKE_BOOT_FAT}
  --extlinux ${qemu_virt_extlinux}
  --disk-size ${qemu_virt_disk_size}
  --boot-fat-size ${qemu_virt_fat_size}
  --boot-part ${qemu_virt_boot_part}
  --workdir ${CMAKE_CURRENT_BINARY_DIR}/boot.uboot.text_offset.d)
# Two full boots.
set_tests_properties(boot.uboot.text_offset PROPERTIES TIMEOUT 600)
