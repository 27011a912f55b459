# Boots through the real firmware chain: OpenSBI fw_jump -> U-Boot
# (qemu-riscv64_smode) -> extlinux -> Rivet, from GPT disk images.
#   boot.uboot.virt         the qemu-virt board image as built
#   boot.uboot.text_offset  the kernel with text_offset patched to other
#                           2 MiB multiples, so booti runs it elsewhere
rivet_board_property(qemu-virt IMAGE qemu_virt_image)
rivet_board_property(qemu-virt DISK_SIZE qemu_virt_disk_size)
rivet_board_property(qemu-virt BOOT_FAT_SIZE qemu_virt_fat_size)
rivet_board_property(qemu-virt BOOT_PART qemu_virt_boot_part)
rivet_board_property(qemu-virt EXTLINUX qemu_virt_extlinux)

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
