// In-kernel self-tests for what only a booted machine can show: every hart's
// timer ticking, IPIs reaching every hart, remote TLB shootdown, and the page
// allocator on real RAM. Each prints "selftest: <name>: ok|FAIL ..." and the
// run ends with "selftest: PASS" or "selftest: FAIL (<n> failed)".
#pragma once

namespace rivet::selftest {

// Returns the number of failed tests.
int run_all();

}  // namespace rivet::selftest
