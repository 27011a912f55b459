// The console: kernel log output and line-edited keyboard input on the
// serial port. Before the UART driver is up, output goes through the SBI
// console so the earliest messages are visible.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rivet::dev {
class Uart;
}

namespace rivet::console {

// Output. Newlines become CR LF. Safe from any hart and from interrupts.
void write(const char* text, size_t length);

// Switches output and input from the SBI console to `uart`.
void attach(dev::Uart* uart);
const char* device_name();

// Called from the external-interrupt handler when the UART raises its line.
void handle_interrupt();

// After a panic: output becomes synchronous and lock-free.
void enter_panic_mode();

// Input, cooked: characters are echoed, backspace / DEL erase one, Ctrl-U
// erases the line, Ctrl-D ends input. read() waits for a complete line and
// returns up to `max` bytes of it (the '\n' included), or 0 at end of input.
size_t read(char* buffer, size_t max);

// Polls the UART for input with interrupts off (for the panic/monitor path
// before interrupts work); returns -1 if nothing is waiting.
int poll_char();

uint64_t bytes_received();

}  // namespace rivet::console
