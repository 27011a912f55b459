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

namespace rivet {

// Error codes. The numeric values are part of the user ABI (the user library
// exposes them as errno-style constants), so only ever append.
enum class Error : int32_t {
  None = 0,
  NotPermitted = 1,     // EPERM
  NotFound = 2,         // ENOENT
  NoProcess = 3,        // ESRCH
  Interrupted = 4,      // EINTR
  Io = 5,               // EIO
  TooBig = 7,           // E2BIG
  BadExec = 8,          // ENOEXEC
  BadFd = 9,            // EBADF
  NoChild = 10,         // ECHILD
  Again = 11,           // EAGAIN
  NoMemory = 12,        // ENOMEM
  AccessDenied = 13,    // EACCES
  Fault = 14,           // EFAULT
  Busy = 16,            // EBUSY
  Exists = 17,          // EEXIST
  CrossDevice = 18,     // EXDEV
  NoDevice = 19,        // ENODEV
  NotDirectory = 20,    // ENOTDIR
  IsDirectory = 21,     // EISDIR
  Invalid = 22,         // EINVAL
  TooManyFilesSystem = 23,  // ENFILE
  TooManyFiles = 24,    // EMFILE
  NotTty = 25,          // ENOTTY
  TextBusy = 26,        // ETXTBSY
  FileTooBig = 27,      // EFBIG
  NoSpace = 28,         // ENOSPC
  IllegalSeek = 29,     // ESPIPE
  ReadOnly = 30,        // EROFS
  TooManyLinks = 31,    // EMLINK
  BrokenPipe = 32,      // EPIPE
  Range = 34,           // ERANGE
  NameTooLong = 36,     // ENAMETOOLONG
  NotImplemented = 38,  // ENOSYS
  NotEmpty = 39,        // ENOTEMPTY
  Overflow = 75,        // EOVERFLOW
  TimedOut = 110,       // ETIMEDOUT: a device did not answer in time
  Malformed = 200,      // data (device tree, image, ELF) is not well formed
  NotSupported = 201,   // the firmware or hardware lacks a feature
};

// A short, stable name for an error ("ENOMEM"-style), for logs.
const char* error_name(Error e);

// The errno a user program sees for e: its own value for the POSIX-numbered
// errors, and for the kernel-only ones (Malformed, NotSupported), which
// kernel/sys/abi.h does not define, the nearest user-visible error: corrupt
// data is EIO, a missing feature ENOSYS. Only the system-call dispatcher
// calls this.
int32_t user_errno(Error e);
inline constexpr int32_t kFirstKernelOnlyError = 200;

// Either a value of T or an Error. Result<void> carries only the error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : error_(Error::None) { new (&storage_) T(value); }
  Result(T&& value) : error_(Error::None) { new (&storage_) T(std::move(value)); }
  Result(Error error) : error_(error) {}
  Result(const Result& other) : error_(other.error_) {
    if (ok()) new (&storage_) T(other.value());
  }
  Result(Result&& other) : error_(other.error_) {
    if (ok()) new (&storage_) T(std::move(other.value()));
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
    if (ok()) value().~T();
  }

  bool ok() const { return error_ == Error::None; }
  explicit operator bool() const { return ok(); }
  Error error() const { return error_; }

  T& value() { return *std::launder(reinterpret_cast<T*>(&storage_)); }
  const T& value() const { return *std::launder(reinterpret_cast<const T*>(&storage_)); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const { return ok() ? value() : fallback; }
  T release_value() { return std::move(value()); }

 private:
  Error error_;
  alignas(T) unsigned char storage_[sizeof(T)];
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : error_(Error::None) {}
  Result(Error error) : error_(error) {}
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
