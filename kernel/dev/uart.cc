#include "kernel/dev/uart.h"

#include "kernel/dev/console.h"
#include "kernel/driver/services.h"

namespace rivet::dev {

Uart* make_16550(const dt::Uart& desc);
Uart* make_sifive_uart(const dt::Uart& desc);

namespace {

void console_interrupt(void*) { console::handle_interrupt(); }

}  // namespace

Result<void> bind_console_uart(dt::Device& device, Uart* (*make)(const dt::Uart&)) {
  // Discovery chose the console (stdout-path, else the first UART it knows)
  // and read its line parameters; only that UART is driven.
  const dt::Uart& desc = driver::machine().uart;
  char path[sizeof desc.path];
  device.path(path, sizeof path);
  if (desc.kind == dt::UartKind::None || __builtin_strcmp(path, desc.path) != 0) return Error::NoDevice;
  TRY(driver::map_mmio(device, 0));
  console::attach(make(desc));
  // Without an interrupt the console still prints; typed input is then
  // not seen, which the banner's "(irq 0)" makes plain.
  if (device.irq_count > 0) TRY(driver::request_irq(device, 0, console_interrupt, nullptr));
  return {};
}

}  // namespace rivet::dev

namespace rivet::driver {

Result<void> probe_uart_16550(dt::Device& device) { return dev::bind_console_uart(device, dev::make_16550); }
Result<void> probe_uart_sifive(dt::Device& device) { return dev::bind_console_uart(device, dev::make_sifive_uart); }

}  // namespace rivet::driver
