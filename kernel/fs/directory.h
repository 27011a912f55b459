// Directories: files of DirEntry records (inum 0 marks a free slot). The
// first two entries are "." and "..". A directory's nlink counts the
// entries naming it other than its own ".": its parent's entry plus each
// subdirectory's "..".
#pragma once

#include <stdint.h>

#include "kernel/fs/inode.h"
#include "kernel/lib/result.h"

namespace rivet::fs {

// Compares two names as directory entries store them (at most DIRSIZ bytes).
bool names_equal(const char* a, const char* b);

// Looks `name` up in the locked directory dp. Returns the inode referenced
// (not locked) and, if `offset` is non-null, the entry's byte offset.
// Error::NotFound if absent; Error::Malformed if the entry is corrupt.
Result<Inode*> dirlookup(Inode* dp, const char* name, uint64_t* offset = nullptr);

// Adds an entry to the locked directory dp, inside an operation, reusing a
// free slot or growing the directory. Error::Exists if the name is taken,
// Error::NameTooLong for names of DIRSIZ characters or more, Error::NoSpace
// if the directory cannot grow.
Result<void> dirlink(Inode* dp, const char* name, uint32_t inum);

// Clears the entry at `offset` (from dirlookup) of the locked directory.
Result<void> dirunlink(Inode* dp, uint64_t offset);

// True if the locked directory holds nothing but "." and "..".
Result<bool> dir_is_empty(Inode* dp);

}  // namespace rivet::fs
