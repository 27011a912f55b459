# Storage pieces that are pure logic: the SiFive SPI controller driver (on a
# register-level model of QEMU's controller), the RAM disk and root selection.
rivet_unit_test(sifive_spi_test
  ${CMAKE_SOURCE_DIR}/tests/unit/sifive_spi_test.cc)

rivet_unit_test(ram_disk_test
  ${CMAKE_SOURCE_DIR}/tests/unit/ram_disk_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/block/ram_disk.cc
  ${CMAKE_SOURCE_DIR}/kernel/block/partition.cc)

rivet_unit_test(root_test
  ${CMAKE_SOURCE_DIR}/tests/unit/root_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/block/root.cc)

# The SiFive boards' whole SD chain: sd::Card -> sd::SpiHost -> dev::SifiveSpi
# -> the SPI controller model -> the simulated SPI-mode card of sd_sim.
rivet_unit_test(sifive_spi_card_test
  ${CMAKE_SOURCE_DIR}/tests/unit/sifive_spi_card_test.cc)
