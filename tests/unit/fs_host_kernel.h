// Host stand-ins for the kernel services the file system uses, for the
// unit tests (tests/unit/fs_host_kernel.cc): spinlocks and sleep locks on
// host threads, sleep/wakeup through a condition variable, one fake
// Process per thread, kmalloc on the host heap, and a fake user address
// space so the system-call handlers can be tested with good and bad
// pointers.
#pragma once

#include <string>

#include <stddef.h>
#include <stdint.h>

namespace rivet::fs {
struct File;
struct Inode;
}  // namespace rivet::fs

namespace rivet::host {

// User addresses [kUserBase, kUserBase + size) map to the host buffer set
// here; every other user address faults.
inline constexpr uint64_t kUserBase = 0x40000000;
void set_user_memory(void* base, size_t size);
inline uint64_t user_address(size_t offset) { return kUserBase + offset; }

// The calling thread's fake process: its working directory, descriptor
// table (NOFILE entries) and killed flag. (Test files cannot include
// kernel/proc/process.h: kernel/sys/abi.h's struct stat clashes with the C
// library's, which GoogleTest includes.)
fs::Inode*& process_cwd();
fs::File** process_files();
void set_killed(bool killed);

// kprintf output on stderr (default off, to keep test logs short).
void set_kernel_log(bool on);
// Lines logged since the last call, for tests that expect a message.
size_t take_log_count();
// The text logged since the last call (the most recent 64 KiB).
std::string take_log_text();

}  // namespace rivet::host
