# DesignWare MSHC SD host driver (kernel/dev/dw_mmc.cc) against a
# register-level model of the controller with an SD card behind it.
rivet_unit_test(dw_mmc_test
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_model.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/dw_mmc.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/result.cc)

# The whole VisionFive 2 SD stack: the real card layer (sd::Card) on the
# real DesignWare host on the same register model (spi_host.cc only for the
# type information UBSan's vptr check wants: card.cc names SpiHost).
rivet_unit_test(dw_mmc_card_test
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_card_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/dw_mmc_model.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/dw_mmc.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/sd/card.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/sd/crc.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/sd/spi_host.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/format.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/result.cc)
