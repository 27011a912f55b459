// 16550-compatible UARTs: ns16550a and snps,dw-apb-uart.
#include <new>

#include "kernel/arch/riscv64/mmio.h"
#include "kernel/dev/uart.h"

namespace rivet::dev {
namespace {

// Register indices; the byte offset is index << reg_shift.
enum Reg : uint32_t { kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kUsr = 31 };
constexpr uint8_t kIerRxAvailable = 0x01;
constexpr uint8_t kIerTxEmpty = 0x02;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrTxHoldingEmpty = 0x20;
constexpr uint8_t kIirNoInterrupt = 0x01;
constexpr uint8_t kIirBusyDetect = 0x07;  // DesignWare: LCR written while busy
constexpr uint8_t kIirLineStatus = 0x06;
constexpr uint8_t kIirModemStatus = 0x00;
constexpr uint8_t kMcrDtrRtsOut2 = 0x0b;

class Uart16550 final : public Uart {
 public:
  explicit Uart16550(const dt::Uart& d, bool designware)
      : base_(arch::mmio_va(d.base)), shift_(d.reg_shift), wide_(d.reg_io_width == 4),
        designware_(designware) {}

  void init() override {
    write(kIer, 0);
    // FIFO enable (without clearing, so bytes typed during boot survive),
    // receive trigger at 1 byte. FCR is write-only and independent of LCR,
    // so the DesignWare busy quirk does not apply.
    write(kIirFcr, 0x01);
    write(kMcr, kMcrDtrRtsOut2);
    ier_ = kIerRxAvailable;
    write(kIer, ier_);
  }
  // With the FIFO on, THRE means the whole 16-byte FIFO is empty.
  int transmit_space() override { return (read(kLsr) & kLsrTxHoldingEmpty) ? 16 : 0; }
  void transmit(uint8_t byte) override { write(kRbrThr, byte); }
  int receive() override {
    if (!(read(kLsr) & kLsrDataReady)) return -1;
    return read(kRbrThr);
  }
  void set_transmit_interrupt(bool enabled) override {
    uint8_t ier = enabled ? (ier_ | kIerTxEmpty) : (ier_ & ~kIerTxEmpty);
    if (ier != ier_) {
      ier_ = ier;
      write(kIer, ier_);
    }
  }
  void acknowledge_interrupt() override {
    uint8_t iir = read(kIirFcr);
    if (iir & kIirNoInterrupt) return;
    switch (iir & 0x0f) {
      case kIirBusyDetect:
        if (designware_) read(kUsr);
        break;
      case kIirLineStatus: read(kLsr); break;
      case kIirModemStatus: read(kMsr); break;
      default: break;  // receive and transmit causes clear by RBR/THR access
    }
  }
  const char* name() const override { return designware_ ? "snps,dw-apb-uart" : "ns16550a"; }

 private:
  uint8_t read(uint32_t reg) {
    uintptr_t a = base_ + (static_cast<uintptr_t>(reg) << shift_);
    return wide_ ? static_cast<uint8_t>(arch::mmio_read32(a)) : arch::mmio_read8(a);
  }
  void write(uint32_t reg, uint8_t v) {
    uintptr_t a = base_ + (static_cast<uintptr_t>(reg) << shift_);
    if (wide_)
      arch::mmio_write32(a, v);
    else
      arch::mmio_write8(a, v);
  }

  uintptr_t base_;
  uint32_t shift_;
  bool wide_;
  bool designware_;
  uint8_t ier_ = 0;
};

alignas(Uart16550) unsigned char g_storage[sizeof(Uart16550)];

}  // namespace

Uart* make_16550(const dt::Uart& desc) {
  return new (g_storage) Uart16550(desc, desc.kind == dt::UartKind::DwApb);
}

}  // namespace rivet::dev
