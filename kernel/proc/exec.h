// exec: replace the current process's program with an ELF executable from
// the file system.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"

namespace rivet {

// Where the stack lives: the top of user space below the trapframe, with
// one unmapped page between, growing down on demand to kStackSize; the page
// below its lowest possible address is a guard (a PROT_NONE area) so an
// overflow faults and nothing is ever mapped there.
inline constexpr uint64_t kStackSize = 8ull << 20;

// From the exec and execve system calls: path, a NULL-terminated argv and a
// NULL-terminated envp (null: an empty environment) in user memory. Returns
// argc (and sets a1 = argv, a2 = envp for the new program).
Result<long> exec_from_user(UserIn<char> path, UserIn<uint64_t> argv, UserIn<uint64_t> envp);
// From the kernel (starting init): argv in kernel memory.
Result<long> exec_kernel(const char* path, const char* const* argv);

}  // namespace rivet
