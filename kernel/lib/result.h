// Result<T>: how the kernel reports expected failures.
//
// Anything a user program, a disk image or a device tree can cause is an
// Error value, never a panic. Errors travel up with TRY() and become the
// user-visible -1 plus error code only at the system-call boundary.
//
// This header is pure C++ (no kernel dependencies) so host unit tests use it.
#pragma once

#include <stdint.h>

#include <new>
#include <type_traits>
#include <utility>

#include "kernel/lib/check.h"
#include "kernel/lib/error_list.h"

namespace rivet {

// Error codes, from the one list (kernel/lib/error_list.h): the errors
// user programs see, with their errno numbers, then the kernel-only ones.
enum class Error : int32_t {
  None = 0,
#define RIVET_ERROR_ENUM_USER(name, number, errno_name, text) name = number,
#define RIVET_ERROR_ENUM_KERNEL(name, number, log_name, user) name = number,
  RIVET_USER_ERRORS(RIVET_ERROR_ENUM_USER)
  RIVET_KERNEL_ERRORS(RIVET_ERROR_ENUM_KERNEL)
#undef RIVET_ERROR_ENUM_USER
#undef RIVET_ERROR_ENUM_KERNEL
};

// A short, stable name for an error ("ENOMEM"-style), for logs.
const char* error_name(Error e);

// The errno a user program sees for e: its own value for the errors of
// RIVET_USER_ERRORS, and for the kernel-only ones (RIVET_KERNEL_ERRORS),
// which kernel/sys/abi.h does not define, the user error the list names
// (corrupt data is EIO, a missing feature ENOSYS). Only the system-call
// dispatcher calls this.
int32_t user_errno(Error e);
inline constexpr int32_t kFirstKernelOnlyError = 200;

// Either a value of T or an Error. Result<void> carries only the error.
// Built from an Error, a Result must hold one (Error::None is refused: it
// would claim a value it does not have), and value() is only for a Result
// that holds a value; both are checked (RIVET_CHECK). After `if (!r) ...`
// or inside TRY the compiler sees the check is already made.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : error_(Error::None) { new (&storage_) T(value); }
  Result(T&& value) : error_(Error::None) { new (&storage_) T(std::move(value)); }
  Result(Error error) : error_(error) { RIVET_CHECK(error != Error::None); }
  Result(const Result& other) : error_(other.error_) {
    if (ok()) new (&storage_) T(other.held());
  }
  Result(Result&& other) : error_(other.error_) {
    if (ok()) new (&storage_) T(std::move(other.held()));
  }
  Result& operator=(const Result& other) {
    if (this != &other) {
      this->~Result();
      new (this) Result(other);
    }
    return *this;
  }
  Result& operator=(Result&& other) {
    if (this != &other) {
      this->~Result();
      new (this) Result(std::move(other));
    }
    return *this;
  }
  ~Result() {
    if (ok()) held().~T();
  }

  bool ok() const { return error_ == Error::None; }
  explicit operator bool() const { return ok(); }
  Error error() const { return error_; }

  T& value() {
    RIVET_CHECK(ok());
    return held();
  }
  const T& value() const {
    RIVET_CHECK(ok());
    return held();
  }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const { return ok() ? held() : fallback; }
  T release_value() { return std::move(value()); }

 private:
  T& held() { return *std::launder(reinterpret_cast<T*>(&storage_)); }
  const T& held() const { return *std::launder(reinterpret_cast<const T*>(&storage_)); }

  Error error_;
  alignas(T) unsigned char storage_[sizeof(T)];
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : error_(Error::None) {}
  Result(Error error) : error_(error) { RIVET_CHECK(error != Error::None); }
  bool ok() const { return error_ == Error::None; }
  explicit operator bool() const { return ok(); }
  Error error() const { return error_; }
  void release_value() {}

 private:
  Error error_;
};

}  // namespace rivet

// Evaluates a Result-returning expression; on failure returns its error from
// the enclosing function, otherwise yields the value.
#define TRY(expr)                                \
  ({                                             \
    auto _try_result = (expr);                   \
    if (!_try_result.ok()) return _try_result.error(); \
    _try_result.release_value();                 \
  })
