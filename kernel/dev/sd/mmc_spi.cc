// An SD card slot on an SPI bus (`mmc-spi-slot`, the child of an SPI
// controller's node): the SPI-mode SD host over the bus the controller's
// driver opens on the slot's chip select, and the card behind it as a disk.
#include "kernel/dev/sd/disk.h"
#include "kernel/dev/sd/spi_bus.h"
#include "kernel/dev/sd/spi_host.h"
#include "kernel/driver/driver.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::driver {

namespace {
// The SD specification's fastest clock in SPI mode without switching
// functions; the tree's spi-max-frequency may lower it (20 MHz on SiFive).
constexpr uint32_t kMaxSpiSdHz = 25'000'000;
}  // namespace

Result<void> probe_mmc_spi(dt::Device& device) {
  const dt::Device* bus_node = device.parent_device();
  // Tree order binds the controller before its children; a controller whose
  // driver failed leaves nothing to talk through.
  if (!bus_node || !bus_node->driver || !bus_node->driver_data) return Error::NoDevice;
  auto* controller = static_cast<sd::SpiController*>(bus_node->driver_data);

  // reg is the chip select, in the SPI bus's own address space (one cell).
  auto reg = device.fdt().reg(device.node, 0);
  uint32_t chip_select = reg ? static_cast<uint32_t>(reg->address) : 0;
  uint32_t max_hz = kMaxSpiSdHz;
  uint32_t tree_hz = 0;
  if (device.read_u32("spi-max-frequency", tree_hz) && tree_hz > 0 && tree_hz < max_hz) max_hz = tree_hz;

  sd::SpiBus* bus = TRY(controller->open(chip_select, device.name()));
  sd::SpiHost* host = TRY(knew<sd::SpiHost>(*bus));
  return sd::attach_card(*host, max_hz);
}

}  // namespace rivet::driver
