# DesignWare MSHC SD host driver (kernel/dev/dw_mmc.cc) against a
# register-level model of the controller with an SD card behind it.
rivet_unit_test(dw_mmc_test
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_test.cc)

# The whole VisionFive 2 SD stack: the real card layer (sd::Card) on the
# real DesignWare host on the same register model. (The sources come from
# rivet_pure_checked and rivet_unit_models: tests/unit/CMakeLists.txt.)
rivet_unit_test(dw_mmc_card_test
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_card_test.cc)
