# Device-tree reader and hardware discovery (kernel/dt), tested on the QEMU and
# real-board trees in tests/data and on hand-built and corrupted trees.
rivet_unit_test(unit_dt
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_fdt_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_discover_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dt_malformed_test.cc)

# The driver model's pure half (kernel/driver/driver.cc, kernel/dt/device_tree.cc):
# device records and driver matching on the same trees, with stand-in probes.
rivet_unit_test(unit_driver
  ${CMAKE_SOURCE_DIR}/tests/unit/driver_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/driver/driver.cc
  ${CMAKE_SOURCE_DIR}/kernel/dt/device_tree.cc)
