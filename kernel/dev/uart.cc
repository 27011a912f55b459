#include "kernel/dev/uart.h"

namespace rivet::dev {

Uart* make_16550(const dt::Uart& desc);
Uart* make_sifive_uart(const dt::Uart& desc);

Uart* make_console_uart(const dt::Uart& desc) {
  switch (desc.kind) {
    case dt::UartKind::Ns16550a:
    case dt::UartKind::DwApb: return make_16550(desc);
    case dt::UartKind::Sifive: return make_sifive_uart(desc);
    case dt::UartKind::None: break;
  }
  return nullptr;
}

}  // namespace rivet::dev
