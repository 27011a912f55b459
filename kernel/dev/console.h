// The console: kernel log output and line-edited keyboard input on the
// serial port. Before the UART driver is up, output goes through the SBI
// console so the earliest messages are visible.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"

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
bool panic_mode();

// Input, cooked: characters are echoed, backspace / DEL erase one, Ctrl-U
// erases the line, up/down arrows walk the history of entered lines, Ctrl-C
// discards the line and kills the foreground process group, Ctrl-D ends
// input. read() waits for a complete line and returns up to `max` bytes of
// it (the '\n' included), or 0 at end of input; Error::Interrupted if the
// reading process is killed while it waits.
Result<size_t> read(IoSink buffer, size_t max);
void set_foreground_group(int pgid);

// Raw input, for programs that act on single keys (`more`): no echo, no
// line editing, no history; every byte is ready for read() as soon as it
// arrives (Enter still arrives as '\n'). Ctrl-C still stops the foreground
// job. Raw mode belongs to the process that asked for it (pid): it ends
// when that process asks for cooked mode again or exits. Returns the mode
// before the call (CONSOLE_COOKED, CONSOLE_RAW or CONSOLE_KEYS).
// CONSOLE_KEYS is raw mode in which Ctrl-C is an ordinary byte (3) too: the
// shell's line editor discards the line itself, and nothing is killed.
// Raw and keys modes are refused (NotPermitted) unless pgid is the console's
// foreground process group: a background job must not take the keyboard
// from the job (or shell) in front.
Result<int> set_input_mode(int pid, int pgid, int mode);
// Called when a process exits: ends raw mode if the process set it.
void process_exited(int pid);


// Makes the console the character device CONSOLE (major 1) of the file
// system, so /dev/console reads and writes come here.
void register_device();

}  // namespace rivet::console
