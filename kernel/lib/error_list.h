/*
 * The error codes: the single list. Plain preprocessor only, so the
 * kernel's rivet::Error (kernel/lib/result.h) and error_name(), the user
 * library's strerror() table (exported in the SDK as rivet/error_list.h)
 * and the checks on kernel/sys/abi.h's errno numbers all come from it.
 *
 * X(Error name, number, errno name, description): the errors a system call
 * can leave in errno, with Linux's numbers. kernel/sys/abi.h #defines each
 * errno name (C programs need macros); the kernel checks at compile time
 * that every one equals its number here, and a unit test that abi.h
 * defines no errno name that is not here. Only ever append.
 */
#ifndef RIVET_ERROR_LIST_H
#define RIVET_ERROR_LIST_H

#define RIVET_USER_ERRORS(X)                                             \
  X(NotPermitted, 1, EPERM, "operation not permitted")                   \
  X(NotFound, 2, ENOENT, "no such file or directory")                    \
  X(NoProcess, 3, ESRCH, "no such process")                              \
  X(Interrupted, 4, EINTR, "interrupted")                                \
  X(Io, 5, EIO, "input/output error")                                    \
  X(TooBig, 7, E2BIG, "argument list too long")                          \
  X(BadExec, 8, ENOEXEC, "not an executable")                            \
  X(BadFd, 9, EBADF, "bad file descriptor")                              \
  X(NoChild, 10, ECHILD, "no child processes")                           \
  X(Again, 11, EAGAIN, "resource temporarily unavailable")               \
  X(NoMemory, 12, ENOMEM, "out of memory")                               \
  X(AccessDenied, 13, EACCES, "permission denied")                       \
  X(Fault, 14, EFAULT, "bad address")                                    \
  X(Busy, 16, EBUSY, "device or resource busy")                          \
  X(Exists, 17, EEXIST, "file exists")                                   \
  X(CrossDevice, 18, EXDEV, "cross-device link")                         \
  X(NoDevice, 19, ENODEV, "no such device")                              \
  X(NotDirectory, 20, ENOTDIR, "not a directory")                        \
  X(IsDirectory, 21, EISDIR, "is a directory")                           \
  X(Invalid, 22, EINVAL, "invalid argument")                             \
  X(TooManyFilesSystem, 23, ENFILE, "too many open files in the system") \
  X(TooManyFiles, 24, EMFILE, "too many open files")                     \
  X(NotTty, 25, ENOTTY, "not a terminal")                                \
  X(TextBusy, 26, ETXTBSY, "text file busy")                             \
  X(FileTooBig, 27, EFBIG, "file too large")                             \
  X(NoSpace, 28, ENOSPC, "no space left on device")                      \
  X(IllegalSeek, 29, ESPIPE, "illegal seek")                             \
  X(ReadOnly, 30, EROFS, "read-only file system")                        \
  X(TooManyLinks, 31, EMLINK, "too many links")                          \
  X(BrokenPipe, 32, EPIPE, "broken pipe")                                \
  X(Range, 34, ERANGE, "result out of range")                            \
  X(NameTooLong, 36, ENAMETOOLONG, "file name too long")                 \
  X(NotImplemented, 38, ENOSYS, "function not implemented")              \
  X(NotEmpty, 39, ENOTEMPTY, "directory not empty")                      \
  X(Overflow, 75, EOVERFLOW, "value too large")                          \
  X(TimedOut, 110, ETIMEDOUT, "device timed out")

/*
 * K(Error name, number, name for logs, the user error it becomes): errors
 * only the kernel sees (numbers from 200). The system-call dispatcher turns
 * each into its user error (user_errno), so errno never holds one.
 */
#define RIVET_KERNEL_ERRORS(K)                    \
  K(Malformed, 200, "EMALFORMED", Io)             \
  K(NotSupported, 201, "ENOTSUP", NotImplemented)

#endif
