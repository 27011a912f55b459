#include "kernel/dev/console.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/dev/uart.h"
#include "kernel/fs/device.h"
#include "kernel/sys/abi.h"
#include "kernel/sync/spinlock.h"
#include "kernel/proc/process_table.h"
#include "kernel/proc/wait.h"

namespace rivet::console {
namespace {

constexpr char kCtrlC = 0x03;
constexpr char kCtrlD = 0x04;
constexpr char kBackspace = 0x08;
constexpr char kCtrlU = 0x15;
constexpr char kEscape = 0x1b;  // starts an ANSI sequence (arrow keys)
constexpr char kDelete = 0x7f;

// One lock guards the UART and both rings: echo from the receive interrupt
// and output from any hart share the transmitter.
Spinlock g_lock("console", LockRank::Console);
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

// Ctrl-C kills this process group (the shell hands the console to each
// foreground job with tcsetpgrp).
int g_foreground_group = 0;

// The process that put the console into raw input mode, 0 when cooked.
int g_raw_owner = 0;
bool g_keys_mode = false;  // raw mode with Ctrl-C as a plain byte (CONSOLE_KEYS)

// Line history for the up/down arrows: the last kHistory committed lines.
constexpr size_t kHistory = 16;
constexpr size_t kLineMax = 256;
char g_history[kHistory][kLineMax];
size_t g_history_count = 0;   // lines ever stored
size_t g_history_browse = 0;  // how far back the arrows have gone (0 = not browsing)
int g_escape = 0;             // 0 none, 1 after ESC, 2 after ESC [

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

// Replaces the line being typed with `text`, on the screen too.
void replace_line_locked(const char* text) {
  while (g_rx_edit != g_rx_committed) {
    g_rx_edit--;
    emit_locked("\b \b", 3);
  }
  for (size_t i = 0; text[i] && g_rx_edit - g_rx_read < kRxSize - 1; i++) {
    g_rx[g_rx_edit++ % kRxSize] = text[i];
    emit_locked(&text[i], 1);
  }
}

void remember_line_locked() {
  size_t len = g_rx_edit - g_rx_committed;  // the line, without its '\n'
  if (len == 0 || len >= kLineMax) return;
  char* slot = g_history[g_history_count % kHistory];
  for (size_t i = 0; i < len; i++) slot[i] = g_rx[(g_rx_committed + i) % kRxSize];
  slot[len] = 0;
  g_history_count++;
}

void history_step_locked(bool older) {
  size_t available = g_history_count < kHistory ? g_history_count : kHistory;
  if (older && g_history_browse < available) g_history_browse++;
  else if (!older && g_history_browse > 0) g_history_browse--;
  else return;
  if (g_history_browse == 0) {
    replace_line_locked("");
    return;
  }
  replace_line_locked(g_history[(g_history_count - g_history_browse) % kHistory]);
}

// Raw mode: every byte goes straight to readers, unechoed; only Ctrl-C
// keeps its meaning.
void receive_raw_locked(char c) {
  if (c == kCtrlC && !g_keys_mode) {
    emit_locked("^C\n", 3);
    if (g_foreground_group > 0) kill_group(g_foreground_group);
    return;
  }
  if (c == '\r') c = '\n';
  if (g_rx_edit - g_rx_read >= kRxSize) return;  // full: drop
  g_rx[g_rx_edit++ % kRxSize] = c;
  g_rx_committed = g_rx_edit;
  wakeup(&g_rx_read);
}

void receive_locked(char c) {
  if (g_raw_owner != 0) {
    receive_raw_locked(c);
    return;
  }
  // Arrow keys arrive as ESC [ A (up) and ESC [ B (down).
  if (g_escape == 1) {
    g_escape = c == '[' ? 2 : 0;
    return;
  }
  if (g_escape == 2) {
    g_escape = 0;
    if (c == 'A') history_step_locked(true);
    if (c == 'B') history_step_locked(false);
    return;
  }
  switch (c) {
    case kEscape:
      g_escape = 1;
      return;
    case kCtrlU:
      replace_line_locked("");
      return;
    case kBackspace:
    case kDelete:
      if (g_rx_edit != g_rx_committed) {
        g_rx_edit--;
        emit_locked("\b \b", 3);
      }
      return;
    case kCtrlC:
      // Discard the line and stop the foreground job, if there is one.
      g_rx_edit = g_rx_committed;
      g_history_browse = 0;
      emit_locked("^C\n", 3);
      if (g_foreground_group > 0) kill_group(g_foreground_group);
      return;
    default:
      break;
  }
  if (c == '\r') c = '\n';
  if (g_rx_edit - g_rx_read >= kRxSize) return;  // full: drop
  if (c == '\n') remember_line_locked();
  g_rx[g_rx_edit++ % kRxSize] = c;
  if (c != kCtrlD) emit_locked(&c, 1);
  if (c == '\n' || c == kCtrlD || g_rx_edit - g_rx_read == kRxSize) {
    g_rx_committed = g_rx_edit;
    g_history_browse = 0;
    wakeup(&g_rx_read);
  }
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

bool panic_mode() { return g_panic_mode; }

Result<size_t> read(IoSink buffer, size_t max) {
  SpinlockGuard guard(g_lock);
  while (g_rx_read == g_rx_committed) {
    if (current_killed()) return Error::Interrupted;
    sleep_on(&g_rx_read, g_lock);
  }
  size_t n = 0;
  while (n < max && g_rx_read != g_rx_committed) {
    char c = g_rx[g_rx_read++ % kRxSize];
    if (c == kCtrlD) {
      // End of input: a Ctrl-D after typed text just ends the line; at the
      // start of a line it makes read() return 0.
      if (n > 0) g_rx_read--;
      break;
    }
    // Copying to user memory may fault a page in; the console lock is a
    // spinlock, so copy one byte at a time through a local.
    if (buffer.is_user()) {
      g_lock.unlock();
      auto r = buffer.put(n, &c, 1);
      g_lock.lock();
      if (!r) return n > 0 ? Result<size_t>(n) : r.error();
    } else {
      TRY(buffer.put(n, &c, 1));
    }
    n++;
    if (c == '\n') break;
  }
  return n;
}

void set_foreground_group(int pgid) {
  SpinlockGuard guard(g_lock);
  g_foreground_group = pgid;
}

Result<int> set_input_mode(int pid, int pgid, int mode) {
  SpinlockGuard guard(g_lock);
  int before = g_raw_owner == 0 ? CONSOLE_COOKED : g_keys_mode ? CONSOLE_KEYS : CONSOLE_RAW;
  if (mode == CONSOLE_RAW || mode == CONSOLE_KEYS) {
    if (pgid <= 0 || pgid != g_foreground_group) return Error::NotPermitted;
    g_raw_owner = pid;
    g_keys_mode = mode == CONSOLE_KEYS;
    g_escape = 0;
    // Whatever was half typed becomes readable at once.
    g_rx_committed = g_rx_edit;
    wakeup(&g_rx_read);
  } else if (g_raw_owner == pid || g_raw_owner == 0) {
    g_raw_owner = 0;
    g_keys_mode = false;
  }
  return before;
}

void process_exited(int pid) {
  if (pid <= 0) return;
  SpinlockGuard guard(g_lock);
  if (g_raw_owner == pid) {
    g_raw_owner = 0;
    g_keys_mode = false;
  }
}


namespace {

Result<size_t> device_read(int, IoSink dst, size_t n) { return read(dst, n); }

// Copies from the writer in chunks with no lock held (a user copy may fault
// a page in), then writes each chunk as one piece.
Result<size_t> device_write(int, IoSource src, size_t n) {
  char chunk[128];
  size_t done = 0;
  while (done < n) {
    size_t k = n - done < sizeof chunk ? n - done : sizeof chunk;
    if (auto r = src.get(done, chunk, k); !r) return done > 0 ? Result<size_t>(done) : r.error();
    write(chunk, k);
    done += k;
  }
  return done;
}

}  // namespace

void register_device() { fs::register_device(CONSOLE, device_read, device_write); }

}  // namespace rivet::console
