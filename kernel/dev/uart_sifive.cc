// SiFive UART (sifive,uart0): FU540/FU740 boards. Eight-entry FIFOs with
// watermark interrupts; all registers are 32 bits wide.
#include <new>

#include "kernel/arch/riscv64/mmio.h"
#include "kernel/dev/uart.h"

namespace rivet::dev {
namespace {

constexpr uintptr_t kTxData = 0x00;  // bit 31: FIFO full
constexpr uintptr_t kRxData = 0x04;  // bit 31: FIFO empty
constexpr uintptr_t kTxCtrl = 0x08;  // bit 0: enable, bits 18:16: watermark
constexpr uintptr_t kRxCtrl = 0x0c;
constexpr uintptr_t kIe = 0x10;      // bit 0: tx watermark, bit 1: rx watermark
constexpr uint32_t kIeTx = 1u << 0;
constexpr uint32_t kIeRx = 1u << 1;
constexpr uint32_t kFifoFlag = 1u << 31;

class UartSifive final : public Uart {
 public:
  explicit UartSifive(const dt::Uart& d) : base_(arch::mmio_va(d.base)) {}

  void init() override {
    // Transmit watermark 1: "tx pending" means the FIFO is empty. Receive
    // watermark 0: any received byte raises the interrupt.
    arch::mmio_write32(base_ + kTxCtrl, 1u | (1u << 16));
    arch::mmio_write32(base_ + kRxCtrl, 1u);
    ie_ = kIeRx;
    arch::mmio_write32(base_ + kIe, ie_);
  }
  int transmit_space() override { return (arch::mmio_read32(base_ + kTxData) & kFifoFlag) ? 0 : 1; }
  void transmit(uint8_t byte) override { arch::mmio_write32(base_ + kTxData, byte); }
  int receive() override {
    uint32_t v = arch::mmio_read32(base_ + kRxData);
    return (v & kFifoFlag) ? -1 : static_cast<int>(v & 0xff);
  }
  void set_transmit_interrupt(bool enabled) override {
    uint32_t ie = enabled ? (ie_ | kIeTx) : (ie_ & ~kIeTx);
    if (ie != ie_) {
      ie_ = ie;
      arch::mmio_write32(base_ + kIe, ie_);
    }
  }
  void acknowledge_interrupt() override {}  // watermark interrupts are level-triggered
  const char* name() const override { return "sifive,uart0"; }

 private:
  uintptr_t base_;
  uint32_t ie_ = 0;
};

alignas(UartSifive) unsigned char g_storage[sizeof(UartSifive)];

}  // namespace

Uart* make_sifive_uart(const dt::Uart& desc) { return new (g_storage) UartSifive(desc); }

}  // namespace rivet::dev
