// The only way the kernel touches user memory. User addresses arrive as
// typed values (UserIn<T>: the kernel reads from it; UserOut<T>: the kernel
// writes to it) that cannot be dereferenced; the copy functions walk the
// process's page table in software (no SUM bit, no fault recovery) and fail
// with Error::Fault for anything not mapped with PTE_U, outside user space,
// or not permitted (a write to a read-only page). They resolve lazy,
// copy-on-write and mmap'd pages the way a user access would.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>

#include "kernel/lib/result.h"

namespace rivet {

namespace mm {
class AddressSpace;
}

template <typename T>
class UserIn {
 public:
  constexpr UserIn() = default;
  constexpr explicit UserIn(uint64_t addr) : addr_(addr) {}
  uint64_t addr() const { return addr_; }
  bool is_null() const { return addr_ == 0; }
  UserIn<T> offset(uint64_t elements) const { return UserIn<T>(addr_ + elements * sizeof(T)); }

 private:
  uint64_t addr_ = 0;
};

template <typename T>
class UserOut {
 public:
  constexpr UserOut() = default;
  constexpr explicit UserOut(uint64_t addr) : addr_(addr) {}
  uint64_t addr() const { return addr_; }
  bool is_null() const { return addr_ == 0; }
  UserOut<T> offset(uint64_t elements) const { return UserOut<T>(addr_ + elements * sizeof(T)); }

 private:
  uint64_t addr_ = 0;
};

// Byte-level copies against an explicit address space (exec builds a new
// one) or the current process's.
Result<void> copy_in_bytes(mm::AddressSpace& as, void* dst, uint64_t user_src, size_t n);
Result<void> copy_out_bytes(mm::AddressSpace& as, uint64_t user_dst, const void* src, size_t n);
Result<void> copy_in_bytes(void* dst, uint64_t user_src, size_t n);
Result<void> copy_out_bytes(uint64_t user_dst, const void* src, size_t n);

template <typename T>
Result<void> copy_in(T& dst, UserIn<T> src) {
  static_assert(std::is_trivially_copyable_v<T>);
  return copy_in_bytes(&dst, src.addr(), sizeof(T));
}

template <typename T>
Result<void> copy_out(UserOut<T> dst, const T& src) {
  static_assert(std::is_trivially_copyable_v<T>);
  return copy_out_bytes(dst.addr(), &src, sizeof(T));
}

// Checks that the whole range [addr, addr+n) is user memory the process may
// read (or write) -- covered by areas that allow the access -- so a system
// call can fail with Error::Fault before it has transferred anything. The
// pages come in when the copy touches them; a copy can still fail there
// (no memory, a file mapping past end of file).
Result<void> check_user_range(uint64_t addr, size_t n, bool write);

// Copies a NUL-terminated string of at most max-1 characters into dst
// (max bytes) and returns its length. Error::NameTooLong if no NUL within
// max bytes, Error::Fault for a bad address.
Result<size_t> copy_in_str(char* dst, size_t max, UserIn<char> src);

// A source or destination for file and device I/O: kernel memory, or user
// memory of the current process. Lets the file system, pipes and devices
// serve read()/write() and in-kernel callers (exec, the log) with one path.
class IoBuffer {
 public:
  static IoBuffer kernel(void* p) { return IoBuffer(reinterpret_cast<uint64_t>(p), false); }
  static IoBuffer kernel(const void* p) { return IoBuffer(reinterpret_cast<uint64_t>(p), false); }
  static IoBuffer user(uint64_t addr) { return IoBuffer(addr, true); }

  bool is_user() const { return user_; }
  IoBuffer advanced(size_t n) const { return IoBuffer(addr_ + n, user_); }

  // Copy n bytes from src into this buffer at offset `at` (for reads).
  Result<void> put(size_t at, const void* src, size_t n) const;
  // Copy n bytes at offset `at` of this buffer into dst (for writes).
  Result<void> get(size_t at, void* dst, size_t n) const;

 private:
  IoBuffer(uint64_t addr, bool user) : addr_(addr), user_(user) {}
  uint64_t addr_;
  bool user_;
};

}  // namespace rivet
