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

// From the exec system call: path and a NULL-terminated argv in user memory.
// Returns argc (and sets a1 = argv for the new program).
Result<long> exec_from_user(UserIn<char> path, UserIn<uint64_t> argv);
// From the kernel (starting init): argv in kernel memory.
Result<long> exec_kernel(const char* path, const char* const* argv);

}  // namespace rivet
