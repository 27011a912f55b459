// What the Files system calls do, on kernel strings, against the root file
// system: kernel/sys/sys_file.cc copies the arguments in and manages the
// descriptor table; everything else happens here. Each call is one
// operation (or, for freeing a large file, a few), so its changes reach
// the disk all together or not at all.
#pragma once

#include <stdint.h>

#include "kernel/fs/file.h"
#include "kernel/lib/result.h"

namespace rivet::fs {

// open(2) with O_RDONLY/O_WRONLY/O_RDWR, O_CREATE, O_TRUNC, O_APPEND.
// Errors: Invalid (unknown flags, access mode 3), NotFound, IsDirectory
// (a directory opened for writing or truncation, or O_CREATE on one),
// NoDevice (a device file whose driver is missing), NoSpace,
// TooManyFilesSystem, NameTooLong, NotDirectory.
Result<File*> open(const char* path, int flags);
// Error::Exists if the name is taken.
Result<void> make_node(const char* path, int major, int minor);
Result<void> make_directory(const char* path);
// Not "." or ".." (Invalid), not a non-empty directory (NotEmpty).
Result<void> unlink(const char* path);
// Not of a directory (NotPermitted); Exists if `created` exists.
Result<void> link(const char* existing, const char* created);
// Sets the current process's working directory.
Result<void> change_directory(const char* path);

}  // namespace rivet::fs
