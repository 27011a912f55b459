# Device-tree reader and hardware discovery (kernel/dt), tested on the QEMU and
# real-board trees in tests/data and on hand-built and corrupted trees.
rivet_unit_test(unit_dt
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_fdt_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_discover_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_malformed_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/dt/fdt.cc
  ${CMAKE_SOURCE_DIR}/kernel/dt/machine.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/result.cc)
