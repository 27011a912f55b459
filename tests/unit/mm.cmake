rivet_unit_test(unit_mm
  ${CMAKE_SOURCE_DIR}/tests/unit/page_allocator_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/mm/page_allocator.cc)
