rivet_unit_test(unit_lib
  ${CMAKE_SOURCE_DIR}/tests/unit/format_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/message_ring_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/hart_plan_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/result_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/lock_rank_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/proc/hart_plan.cc)
