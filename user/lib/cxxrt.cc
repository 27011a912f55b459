// The little run-time support C++ programs need without a C++ library:
// operator new/delete over malloc, static-object guards (a process has one
// thread) and the hooks the compiler calls for destructors and pure virtuals.
#include <stddef.h>

#include "kernel/types.h"
#include "user/user.h"

// Without exceptions, new returns nullptr when memory runs out; programs
// check the result (or use new (std::nothrow) semantics implicitly).
void* operator new(size_t n) { return malloc(static_cast<uint>(n)); }
void* operator new[](size_t n) { return malloc(static_cast<uint>(n)); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

extern "C" {

void* __dso_handle = nullptr;

// Destructors of static objects are not run: exit() is the system call.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

int __cxa_guard_acquire(uint64* guard) { return *reinterpret_cast<uchar*>(guard) == 0; }
void __cxa_guard_release(uint64* guard) { *reinterpret_cast<uchar*>(guard) = 1; }
void __cxa_guard_abort(uint64*) {}

void __cxa_pure_virtual() {
  fprintf(2, "pure virtual function called\n");
  exit(1);
}

}  // extern "C"
