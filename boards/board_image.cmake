# rivet_board_image(NAME): builds the SD-card image of the board package in
# boards/NAME/. A board package is data: boards/NAME/board.cmake sets the
# variables below, boards/NAME/extlinux.conf is the boot menu, and
# boards/NAME/README.md tells a person how to use the card. Adding a board is
# adding such a folder; boards/CMakeLists.txt finds it.
#
# board.cmake sets:
#   board_title       human-readable name, e.g. "HiFive Unleashed"
#   board_console     the console name the extlinux.conf `append` line uses
#                     (ttyS0 for 16550/DesignWare UARTs, ttySIF0 for SiFive);
#                     the image tests check extlinux.conf against it
#   board_disk_size   size of sd.img (rivet-mkimage SIZE; a power of two
#                     where QEMU's SD model needs one)
#   board_boot_size   size of the FAT boot partition
#   board_firmware    rivet-mkimage --part specs of the partitions in front of
#                     the boot partition (the board's SPL and U-Boot), in
#                     partition-number order; "@FIRMWARE@" in a file= item
#                     stands for <build>/firmware (tools/firmware.lock)
#   board_xz          optional, default ON: also build sd.img.xz (off for
#                     an image nobody writes to a card)
#   board_qemu        optional: how tools/boot.sh --board boots the image
#                     ("uboot-virt", "sifive-chain"); empty = QEMU has no
#                     such machine
#
# Every image gets, after the firmware partitions:
#   boot  from sector 16384: FAT with the legacy-BIOS-bootable attribute
#         (U-Boot's standard and distro boot scan only such partitions),
#         holding /Image, /extlinux/extlinux.conf and /rivet-initrd.img
#   root  Rivet's root file system (type B2A45E6C-...-524956455446)
#   swap  a 256 MiB swap area (Linux swap type)
# and produces in <build>/boards/NAME/: sd.img (sparse), sd.img.bmap,
# sd.img.xz (if RIVET_BOARD_XZ and board_xz), SHA256SUMS.
#
# Each board's layout is recorded in global properties named
# RIVET_BOARD_<NAME>_<KEY>; read them with rivet_board_property().

# The kernel, the root file system and the RAM-disk image are the same for
# every board; rivet_board_common() builds them once, in <build>/boards/.
set(RIVET_BOARDS_DIR ${CMAKE_CURRENT_BINARY_DIR})
set(RIVET_BOARD_KERNEL ${RIVET_BOARDS_DIR}/Image)
set(RIVET_BOARD_ROOT_FS ${RIVET_BOARDS_DIR}/root.fs)
set(RIVET_BOARD_INITRD ${RIVET_BOARDS_DIR}/rivet-initrd.img)
set(RIVET_BOARD_ROOT_FS_SIZE 64M)
# For the tests that boot these file systems without a board image.
set_property(GLOBAL PROPERTY RIVET_BOARD_ROOT_FS ${RIVET_BOARD_ROOT_FS})
set_property(GLOBAL PROPERTY RIVET_BOARD_INITRD ${RIVET_BOARD_INITRD})
# The RAM-disk root: the same files as the root partition in a smaller file
# system, so loading it costs U-Boot a moment and the kernel little memory.
set(RIVET_BOARD_INITRD_SIZE 16M)
# Where U-Boot finds the RAM-disk image on the boot partition (the
# extlinux.conf files name it; the image tests check that they agree).
set(RIVET_BOARD_INITRD_NAME /rivet-initrd.img)
set(RIVET_ROOT_PARTITION_TYPE B2A45E6C-0F3A-4B8E-9C1D-524956455446)

# xz -3 of a 512 MiB image that is mostly holes takes about 5 s on a busy
# two-core machine (xz -6: about 14 s for 10% less), and happens again
# whenever the kernel changes; turn it off for quicker edit-build cycles.
option(RIVET_BOARD_XZ "Also build sd.img.xz for the boards people flash" ON)

function(rivet_board_common)
  # The host build knows the kernel only as the rivet_target ExternalProject,
  # which always runs. Copying the Image here when (and only when) it changed
  # gives the rules below a file with a known producer to depend on.
  add_custom_target(boards-kernel
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${RIVET_KERNEL_IMAGE} ${RIVET_BOARD_KERNEL}
    BYPRODUCTS ${RIVET_BOARD_KERNEL}
    COMMENT "boards: taking the kernel Image")
  add_dependencies(boards-kernel rivet_target)

  # The root file system: every user program (the target build lists them
  # in programs.txt) in /bin, plus /dev/console and /tmp. Rebuilt on every
  # build (the programs come from the ExternalProject, whose outputs CMake
  # cannot see); it takes a fraction of a second, and copy_if_different
  # leaves the images alone when nothing changed.
  # RIVET_EXTRA_MANIFEST names a further rivet-mkfs manifest (your own
  # programs and files) to add; see user/README.md.
  set(RIVET_EXTRA_MANIFEST "" CACHE FILEPATH "Extra rivet-mkfs manifest for the root file system")
  set(extra_manifest_args "")
  if(RIVET_EXTRA_MANIFEST)
    set(extra_manifest_args --manifest ${RIVET_EXTRA_MANIFEST})
  endif()
  set(manifest ${RIVET_BOARDS_DIR}/root.manifest)
  add_custom_target(boards-root
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/sdcard/root-manifest.py
            ${RIVET_TARGET_DIR}/user/programs.txt ${manifest}
    COMMAND rivet-mkfs --quiet --out ${RIVET_BOARD_ROOT_FS}.new --size ${RIVET_BOARD_ROOT_FS_SIZE}
            --manifest ${manifest} ${extra_manifest_args}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${RIVET_BOARD_ROOT_FS}.new ${RIVET_BOARD_ROOT_FS}
    COMMAND rivet-mkfs --quiet --out ${RIVET_BOARD_INITRD}.new --size ${RIVET_BOARD_INITRD_SIZE}
            --manifest ${manifest} ${extra_manifest_args}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${RIVET_BOARD_INITRD}.new ${RIVET_BOARD_INITRD}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${RIVET_BOARD_ROOT_FS}.new ${RIVET_BOARD_INITRD}.new
    BYPRODUCTS ${RIVET_BOARD_ROOT_FS} ${RIVET_BOARD_INITRD}
    COMMENT "boards: building the root file system and the RAM-disk image")
  add_dependencies(boards-root rivet_target rivet-mkfs)
endfunction()

function(rivet_board_image name)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${name})
  set(dir ${RIVET_BOARDS_DIR}/${name})
  file(MAKE_DIRECTORY ${dir})

  # The board's data, read into this function's scope.
  set(board_title "")
  set(board_console "")
  set(board_disk_size "")
  set(board_boot_size 64M)
  set(board_firmware "")
  set(board_qemu "")
  set(board_xz ON)
  include(${src}/board.cmake)
  foreach(required board_title board_console board_disk_size)
    if("${${required}}" STREQUAL "")
      message(FATAL_ERROR "boards/${name}/board.cmake does not set ${required}")
    endif()
  endforeach()
  foreach(file extlinux.conf README.md)
    if(NOT EXISTS ${src}/${file})
      message(FATAL_ERROR "boards/${name}/ has no ${file}")
    endif()
  endforeach()

  # Firmware partitions: name the files under <build>/firmware and depend on
  # the fetch step that puts them there (its stamp, written after every file
  # is extracted and verified: the files themselves have no rule of their
  # own, so naming them in DEPENDS would stop a build from a fresh clone).
  set(firmware_args "")
  foreach(spec IN LISTS board_firmware)
    string(REPLACE "@FIRMWARE@" "${RIVET_FIRMWARE_DIR}" spec "${spec}")
    list(APPEND firmware_args --part ${spec})
  endforeach()
  list(LENGTH board_firmware firmware_count)

  # The boot partition starts at sector 16384 on every board (8 MiB: past
  # every SoC's firmware area); root and swap follow at the next MiB.
  set(boot_part "name=boot,type=esp,start=16384,size=${board_boot_size},bootable")
  set(root_part "name=root,type=${RIVET_ROOT_PARTITION_TYPE},size=${RIVET_BOARD_ROOT_FS_SIZE}")
  set(swap_part "name=swap,type=linux-swap,size=256M")

  set(fat ${dir}/boot.fat)
  set(image ${dir}/sd.img)
  add_custom_command(
    OUTPUT ${fat}
    COMMAND ${RIVET_MAKE_BOOT_FAT} ${fat} ${board_boot_size} ${RIVET_BOARD_KERNEL}
            ${src}/extlinux.conf ${RIVET_BOARD_INITRD} ${RIVET_BOARD_INITRD_NAME}
    DEPENDS ${RIVET_BOARD_KERNEL} ${RIVET_BOARD_INITRD} ${src}/extlinux.conf ${RIVET_MAKE_BOOT_FAT}
    COMMENT "${name}: building the FAT boot partition")

  add_custom_command(
    OUTPUT ${image}
    COMMAND rivet-mkimage --quiet --out ${image} --size ${board_disk_size} --seed ${name}
            ${firmware_args}
            --part ${boot_part},file=${fat}
            --part ${root_part},file=${RIVET_BOARD_ROOT_FS}
            --part ${swap_part}
    DEPENDS ${fat} ${RIVET_BOARD_ROOT_FS} ${RIVET_FIRMWARE_DIR}/.stamp
            ${src}/board.cmake rivet-mkimage
    COMMENT "${name}: building sd.img")

  set(outputs ${dir}/sd.img.bmap ${dir}/SHA256SUMS)
  set(xz_flag --no-xz)
  if(RIVET_BOARD_XZ AND board_xz)
    list(APPEND outputs ${dir}/sd.img.xz)
    set(xz_flag --xz)
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_SOURCE_DIR}/boards/package-image.sh ${xz_flag} ${image}
    DEPENDS ${image} ${CMAKE_SOURCE_DIR}/boards/package-image.sh
    COMMENT "${name}: packaging sd.img (bmap, checksums, ${xz_flag})")

  add_custom_target(image-${name} ALL DEPENDS ${image} ${outputs})
  add_dependencies(image-${name} boards-kernel boards-root firmware)

  # The layout, for tests and tools/boot.sh. Partition numbers: the
  # firmware partitions first, then boot, root, swap.
  math(EXPR boot_number "${firmware_count} + 1")
  set_property(GLOBAL APPEND PROPERTY RIVET_BOARDS ${name})
  foreach(pair
      "DIR;${dir}" "SOURCE_DIR;${src}" "IMAGE;${image}" "TITLE;${board_title}"
      "CONSOLE;${board_console}" "DISK_SIZE;${board_disk_size}"
      "BOOT_FAT_SIZE;${board_boot_size}" "BOOT_PART;${boot_part}" "ROOT_PART;${root_part}"
      "BOOT_PARTITION_NUMBER;${boot_number}" "EXTLINUX;${src}/extlinux.conf" "QEMU;${board_qemu}")
    list(POP_FRONT pair key)
    set_property(GLOBAL PROPERTY RIVET_BOARD_${name}_${key} "${pair}")
  endforeach()
endfunction()

# rivet_board_property(NAME KEY OUTVAR): one fact about board NAME's image
# (KEY: DIR, IMAGE, TITLE, CONSOLE, DISK_SIZE, BOOT_FAT_SIZE, BOOT_PART,
# ROOT_PART, BOOT_PARTITION_NUMBER, EXTLINUX, QEMU).
function(rivet_board_property name key outvar)
  get_property(is_set GLOBAL PROPERTY RIVET_BOARD_${name}_${key} SET)
  if(NOT is_set)
    message(FATAL_ERROR "rivet_board_property: no ${key} for board '${name}'")
  endif()
  get_property(value GLOBAL PROPERTY RIVET_BOARD_${name}_${key})
  set(${outvar} "${value}" PARENT_SCOPE)
endfunction()
