# GPT reader/writer (kernel/block/gpt.cc), shared by the kernel and rivet-mkimage.
# The sgdisk cross-check looks for sgdisk (package gdisk) at run time and
# skips itself if it is missing.
rivet_unit_test(gpt_test
  ${CMAKE_SOURCE_DIR}/tests/unit/gpt_test.cc)

# The host tools built on it: rivet-mkimage and make-boot-fat.sh.
add_test(NAME unit.sdcard_tools
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/sdcard_tools_test.py
    --mkimage $<TARGET_FILE:rivet-mkimage> --make-boot-fat ${RIVET_MAKE_BOOT_FAT})
set_tests_properties(unit.sdcard_tools PROPERTIES TIMEOUT 120 LABELS unit)
