// The system-call boundary: where Result values become what the user sees.
#pragma once

namespace rivet {
struct Process;
}

namespace rivet::sys {

// Runs the system call in p's trapframe (a7 = number, a0..a5 = arguments)
// and stores the result in a0 (and the error number in a1 on failure).
void dispatch(Process* p);

}  // namespace rivet::sys
