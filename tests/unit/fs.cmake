# The file system (kernel/fs, kernel/sys/sys_file.cc) on the host against
# in-memory disks, with the image builder and checker rivet-mkfs and
# rivet-fsck are made of. fs_host_kernel.cc stands in for the kernel
# services (and defines check_failed, so host_support.cc is not linked).
set(RIVET_FS_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/fs/allocator.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/buffer_cache.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/device.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/directory.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/file.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/fs.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/inode.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/log.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/operations.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/page_cache.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/path.cc
  ${CMAKE_SOURCE_DIR}/kernel/fs/pipe.cc
  ${CMAKE_SOURCE_DIR}/kernel/sys/sys_file.cc)

rivet_unit_test(fs_test
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_checksum_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_crash_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_misc_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_read_pages_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_test_fixture.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_test_support.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_host_kernel.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/fs_sys_shim.cc
  ${RIVET_FS_KERNEL_SOURCES})

# rivet-mkfs and rivet-fsck as programs: command lines, exit codes, GPT images.
add_test(NAME unit.FsTools
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/fs_tools_test.py
    --mkfs $<TARGET_FILE:rivet-mkfs> --fsck $<TARGET_FILE:rivet-fsck> --mkimage $<TARGET_FILE:rivet-mkimage>)
set_tests_properties(unit.FsTools PROPERTIES TIMEOUT 120 LABELS unit
  ENVIRONMENT "PYTHONPATH=${CMAKE_SOURCE_DIR}/tests/harness")
