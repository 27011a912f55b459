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

// The byte-level copies behind the typed ones below; kernel/mm only (the
// templates here need them declared). Everything else passes UserIn/UserOut.
namespace detail {
Result<void> copy_in_bytes(mm::AddressSpace& as, void* dst, uint64_t user_src, size_t n);
Result<void> copy_out_bytes(mm::AddressSpace& as, uint64_t user_dst, const void* src, size_t n);
Result<void> copy_in_bytes(void* dst, uint64_t user_src, size_t n);
Result<void> copy_out_bytes(uint64_t user_dst, const void* src, size_t n);
Result<void> check_user_range(uint64_t addr, size_t n, bool write);
}  // namespace detail

// One object, to or from the current process.
template <typename T>
Result<void> copy_in(T& dst, UserIn<T> src) {
  static_assert(std::is_trivially_copyable_v<T>);
  return detail::copy_in_bytes(&dst, src.addr(), sizeof(T));
}

template <typename T>
Result<void> copy_out(UserOut<T> dst, const T& src) {
  static_assert(std::is_trivially_copyable_v<T>);
  return detail::copy_out_bytes(dst.addr(), &src, sizeof(T));
}

// `count` consecutive objects (an array, a run of characters).
template <typename T>
Result<void> copy_out(UserOut<T> dst, const T* src, size_t count) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (count > SIZE_MAX / sizeof(T)) return Error::Fault;
  return detail::copy_out_bytes(dst.addr(), src, count * sizeof(T));
}

// The same into an address space that is not the current one (exec builds
// the new program's stack before it switches to it).
template <typename T>
Result<void> copy_out(mm::AddressSpace& as, UserOut<T> dst, const T* src, size_t count) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (count > SIZE_MAX / sizeof(T)) return Error::Fault;
  return detail::copy_out_bytes(as, dst.addr(), src, count * sizeof(T));
}

// Checks that `count` objects at the pointer are user memory the process
// may read (UserIn) or write (UserOut) -- covered by areas that allow the
// access -- so a system call can fail with Error::Fault before it has
// transferred anything. The pages come in when the copy touches them; a
// copy can still fail there (no memory, a file mapping past end of file).
template <typename T>
Result<void> check_user_range(UserIn<T> src, size_t count) {
  if (count > SIZE_MAX / sizeof(T)) return Error::Fault;
  return detail::check_user_range(src.addr(), count * sizeof(T), /*write=*/false);
}

template <typename T>
Result<void> check_user_range(UserOut<T> dst, size_t count) {
  if (count > SIZE_MAX / sizeof(T)) return Error::Fault;
  return detail::check_user_range(dst.addr(), count * sizeof(T), /*write=*/true);
}

// Copies a NUL-terminated string of at most max-1 characters into dst
// (max bytes) and returns its length. Error::NameTooLong if no NUL within
// max bytes, Error::Fault for a bad address.
Result<size_t> copy_in_str(char* dst, size_t max, UserIn<char> src);

// Where I/O bytes come from and go to: kernel memory, or user memory of the
// current process. The file system, pipes and devices serve read()/write()
// and in-kernel callers (exec, directories) with one path. The direction is
// in the type: a read fills an IoSink (a UserOut, or writable kernel
// memory), a write drains an IoSource (a UserIn, or any kernel memory), so a
// read can never be handed a buffer the caller only meant to be read from.
class IoSink {
 public:
  template <typename T>
  static IoSink user(UserOut<T> dst) { return IoSink(dst.addr(), true); }
  static IoSink kernel(void* p) { return IoSink(reinterpret_cast<uint64_t>(p), false); }

  bool is_user() const { return user_; }
  IoSink advanced(size_t n) const { return IoSink(addr_ + n, user_); }
  // Copies n bytes from src into this buffer at offset `at`.
  Result<void> put(size_t at, const void* src, size_t n) const;

 private:
  IoSink(uint64_t addr, bool user) : addr_(addr), user_(user) {}
  uint64_t addr_;
  bool user_;
};

class IoSource {
 public:
  template <typename T>
  static IoSource user(UserIn<T> src) { return IoSource(src.addr(), true); }
  static IoSource kernel(const void* p) { return IoSource(reinterpret_cast<uint64_t>(p), false); }

  bool is_user() const { return user_; }
  IoSource advanced(size_t n) const { return IoSource(addr_ + n, user_); }
  // Copies n bytes at offset `at` of this buffer into dst.
  Result<void> get(size_t at, void* dst, size_t n) const;

 private:
  IoSource(uint64_t addr, bool user) : addr_(addr), user_(user) {}
  uint64_t addr_;
  bool user_;
};

// Kernel memory for either direction: IoBuffer::kernel(p) converts to an
// IoSink only when p is writable, and to an IoSource always.
struct IoBuffer {
  struct Writable {
    void* p;
    operator IoSink() const { return IoSink::kernel(p); }
    operator IoSource() const { return IoSource::kernel(p); }
  };
  struct ReadOnly {
    const void* p;
    operator IoSource() const { return IoSource::kernel(p); }
  };
  static Writable kernel(void* p) { return {p}; }
  static ReadOnly kernel(const void* p) { return {p}; }
};

// The directions cannot be mixed up: constant kernel memory never becomes a
// read's destination, and a user pointer's direction is fixed by its type.
static_assert(!std::is_convertible_v<IoBuffer::ReadOnly, IoSink>);
static_assert(std::is_convertible_v<IoBuffer::Writable, IoSink>);
static_assert(!std::is_invocable_v<decltype(&IoSink::user<char>), UserIn<char>>);
static_assert(!std::is_invocable_v<decltype(&IoSource::user<char>), UserOut<char>>);

}  // namespace rivet
