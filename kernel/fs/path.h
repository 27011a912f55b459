// Path names: "/a/b/c" from the root, "a/b" from the current directory
// (current()->cwd, or the root where there is no process). Repeated
// slashes are one; "." and ".." are ordinary directory entries; ".." at the
// root is the root.
//
// Errors: Error::NameTooLong for a path of MAXPATH or more characters or a
// component of DIRSIZ or more; Error::NotFound for an empty path or a
// missing component; Error::NotDirectory when a non-final component is not
// a directory.
#pragma once

#include "kernel/fs/inode.h"
#include "kernel/lib/result.h"

namespace rivet::fs {

class FileSystem;

// The inode a path names, referenced and unlocked.
Result<Inode*> namei(FileSystem& fs, const char* path);
// The directory holding the path's last component, referenced and
// unlocked, with that component copied to name (kNameSize bytes). A path
// with no last component ("/") is Error::Invalid.
Result<Inode*> nameiparent(FileSystem& fs, const char* path, char name[kNameSize]);

}  // namespace rivet::fs
