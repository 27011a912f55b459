# Storage pieces that are pure logic: the SiFive SPI controller driver (on a
# register-level model of QEMU's controller), the RAM disk and root selection.
rivet_unit_test(sifive_spi_test
  ${CMAKE_SOURCE_DIR}/tests/unit/sifive_spi_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/sifive_spi_model.cc
  ${CMAKE_SOURCE_DIR}/kernel/dev/sifive_spi.cc
  ${CMAKE_SOURCE_DIR}/kernel/lib/result.cc)
