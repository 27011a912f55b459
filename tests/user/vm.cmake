# vmtests (user/tests/vmtests.c): one CTest test per row of its table
# (user/tests/vmtests_table.h, which the program's own table is built
# from). Included by tests/user/CMakeLists.txt, whose rivet_system_test()
# this uses.
#
# Entries flagged VM_SWAP run on a 64 MiB machine, where they touch more
# memory than there is; without a swap area vmtests reports them as skipped,
# and so does CTest (exit status 77). Entries flagged VM_SMALL run on a
# 40 MiB machine (fw_jump puts the device tree at 34 MiB, so not smaller).
rivet_read_test_table(${CMAKE_SOURCE_DIR}/user/tests/vmtests_table.h VMTEST vmtest_rows)
foreach(row IN LISTS vmtest_rows)
  string(REGEX REPLACE ",.*" "" test_name "${row}")
  if(row MATCHES "VM_SWAP")
    rivet_system_test(vmtests.${test_name} test_vmtests.py --test ${test_name} --mem 64M --timeout 540)
    set_tests_properties(vmtests.${test_name} PROPERTIES SKIP_RETURN_CODE 77)
  elseif(row MATCHES "VM_SMALL")
    rivet_system_test(vmtests.${test_name} test_vmtests.py --test ${test_name} --mem 40M)
  else()
    rivet_system_test(vmtests.${test_name} test_vmtests.py --test ${test_name})
  endif()
  set_property(TEST vmtests.${test_name} APPEND PROPERTY LABELS vm)
endforeach()

# A process killed for touching a file mapping past end of file is told so
# (not "no mapping allows this access": the mapping is there).
rivet_system_test(vmtests.mmap_file_eof.message test_vmtests.py --test mmap_file_eof
  --console "killed: load page fault at sepc 0x[0-9a-f]+, stval 0x[0-9a-f]+: past the end of the mapped file"
  --console "killed: store page fault at sepc 0x[0-9a-f]+, stval 0x[0-9a-f]+: past the end of the mapped file")
set_property(TEST vmtests.mmap_file_eof.message APPEND PROPERTY LABELS vm)
