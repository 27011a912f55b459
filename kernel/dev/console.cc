#include "kernel/dev/console.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/dev/uart.h"
#include "kernel/lib/spinlock.h"

namespace rivet::console {
namespace {

constexpr char kCtrlC = 0x03;
constexpr char kCtrlD = 0x04;
constexpr char kBackspace = 0x08;
constexpr char kCtrlU = 0x15;
constexpr char kDelete = 0x7f;

// One lock guards the UART and both rings: echo from the receive interrupt
// and output from any hart share the transmitter.
Spinlock g_lock("console");
dev::Uart* g_uart = nullptr;
bool g_panic_mode = false;

// Output ring, drained by the transmit interrupt.
constexpr size_t kTxSize = 8192;
char g_tx[kTxSize];
size_t g_tx_head = 0, g_tx_tail = 0;  // head: next to send; tail: next free

// Input ring, xv6 style: [read, committed) is ready for readers,
// [committed, edit) is the line still being typed.
constexpr size_t kRxSize = 1024;
char g_rx[kRxSize];
size_t g_rx_read = 0, g_rx_committed = 0, g_rx_edit = 0;
uint64_t g_rx_total = 0;

void sbi_write(const char* text, size_t n) { sbi::console_write(text, n); }

// Moves bytes from the ring to the UART while it has room; asks for a
// transmit interrupt while bytes remain.
void kick_locked() {
  while (g_tx_head != g_tx_tail) {
    int space = g_uart->transmit_space();
    if (space <= 0) break;
    while (space-- > 0 && g_tx_head != g_tx_tail) {
      g_uart->transmit(static_cast<uint8_t>(g_tx[g_tx_head]));
      g_tx_head = (g_tx_head + 1) % kTxSize;
    }
  }
  g_uart->set_transmit_interrupt(g_tx_head != g_tx_tail);
}

void put_locked(char c) {
  size_t next = (g_tx_tail + 1) % kTxSize;
  while (next == g_tx_head) kick_locked();  // ring full: wait for the UART
  g_tx[g_tx_tail] = c;
  g_tx_tail = next;
}

void emit_locked(const char* text, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (text[i] == '\n') put_locked('\r');
    put_locked(text[i]);
  }
  kick_locked();
}

void polled_write(const char* text, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char pair[2] = {'\r', text[i]};
    const char* p = text[i] == '\n' ? pair : pair + 1;
    size_t count = text[i] == '\n' ? 2 : 1;
    for (size_t j = 0; j < count; j++) {
      while (g_uart->transmit_space() <= 0) {
      }
      g_uart->transmit(static_cast<uint8_t>(p[j]));
    }
  }
}

void receive_locked(char c) {
  g_rx_total++;
  switch (c) {
    case kCtrlU:
      while (g_rx_edit != g_rx_committed && g_rx[(g_rx_edit - 1) % kRxSize] != '\n') {
        g_rx_edit--;
        emit_locked("\b \b", 3);
      }
      return;
    case kBackspace:
    case kDelete:
      if (g_rx_edit != g_rx_committed) {
        g_rx_edit--;
        emit_locked("\b \b", 3);
      }
      return;
    case kCtrlC:
      // Until there are processes to interrupt, Ctrl-C discards the line.
      g_rx_edit = g_rx_committed;
      emit_locked("^C\n", 3);
      return;
    default:
      break;
  }
  if (c == '\r') c = '\n';
  if (g_rx_edit - g_rx_read >= kRxSize) return;  // full: drop
  g_rx[g_rx_edit++ % kRxSize] = c;
  if (c != kCtrlD) emit_locked(&c, 1);
  if (c == '\n' || c == kCtrlD || g_rx_edit - g_rx_read == kRxSize) g_rx_committed = g_rx_edit;
}

}  // namespace

void write(const char* text, size_t n) {
  if (g_panic_mode) {
    if (g_uart)
      polled_write(text, n);
    else
      sbi_write(text, n);
    return;
  }
  if (!g_uart) {
    sbi_write(text, n);
    return;
  }
  SpinlockGuard guard(g_lock);
  emit_locked(text, n);
}

void attach(dev::Uart* uart) {
  uart->init();
  SpinlockGuard guard(g_lock);
  g_uart = uart;
}

const char* device_name() { return g_uart ? g_uart->name() : "sbi"; }

void handle_interrupt() {
  if (!g_uart) return;
  SpinlockGuard guard(g_lock);
  g_uart->acknowledge_interrupt();
  for (int c; (c = g_uart->receive()) >= 0;) receive_locked(static_cast<char>(c));
  kick_locked();
}

void enter_panic_mode() { g_panic_mode = true; }

size_t read(char* buffer, size_t max) {
  for (;;) {
    {
      SpinlockGuard guard(g_lock);
      if (g_rx_read != g_rx_committed) {
        size_t n = 0;
        while (n < max && g_rx_read != g_rx_committed) {
          char c = g_rx[g_rx_read++ % kRxSize];
          if (c == kCtrlD) {
            // End of input: a Ctrl-D after typed text just ends the line;
            // at the start of a line it makes read() return 0.
            if (n > 0) g_rx_read--;
            break;
          }
          buffer[n++] = c;
          if (c == '\n') break;
        }
        return n;
      }
    }
    // Nothing yet: sleep until the next interrupt (a key, or the timer).
    arch::wait_for_interrupt();
  }
}

int poll_char() {
  if (!g_uart) return -1;
  SpinlockGuard guard(g_lock);
  return g_uart->receive();
}

uint64_t bytes_received() { return g_rx_total; }

}  // namespace rivet::console
