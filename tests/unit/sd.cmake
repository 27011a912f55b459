# The SD card stack (kernel/dev/sd): CRCs, the SPI-mode host and the card
# protocol, against simulated cards (tests/unit/sd_sim.*) with faults.
rivet_unit_test(sd_test
  ${CMAKE_SOURCE_DIR}/tests/unit/sd_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/sd_sim.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/sd/card.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/sd/crc.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/sd/spi_host.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/format.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/result.cc)
