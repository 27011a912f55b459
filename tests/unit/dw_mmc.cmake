# DesignWare MSHC SD host driver (kernel/dev/dw_mmc.cc) against a
# register-level model of the controller with an SD card behind it.
rivet_unit_test(dw_mmc_test
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_model.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/dw_mmc.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/result.cc)
