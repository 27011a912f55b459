# The SD card stack (kernel/dev/sd): CRCs, the SPI-mode host and the card
# protocol, against simulated cards (tests/unit/sd_sim.*) with faults.
rivet_unit_test(sd_test
  ${CMAKE_SOURCE_DIR}/tests/unit/sd_test.cc)
