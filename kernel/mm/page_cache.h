// Pages of files mapped MAP_SHARED, keyed by (inode, page index), so every
// process that maps the same part of a file maps the same physical page and
// sees the others' writes, and write() to the file changes them too. The
// cache holds one reference to each page; the entry goes away when the last
// mapping lets go of the page.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"

namespace rivet::fs {
struct Inode;
}

namespace rivet::mm {

// Keeps cached pages in step with write() and truncation (installs the
// file system's file-cache hooks). Once, at boot.
void page_cache_init();

// The page holding bytes [index*4096, index*4096+4096) of the file, read in
// if no mapping has it yet; returns it with a reference for the caller.
// Bytes past end of file are zero.
Result<PhysAddr> shared_page_get(fs::Inode* ip, uint64_t index);
// The cached page for (ip, index) with a reference for the caller, or
// PhysAddr(0) if none; never reads.
PhysAddr shared_page_lookup(fs::Inode* ip, uint64_t index);
// Offers `page`, just read with ip locked (the caller still holds the
// lock), as the cached page for (ip, index). Returns the cached page with
// a reference for the caller: `page` itself (the cache takes a reference
// of its own), or the page already cached, which the caller maps instead
// of its own. Error::NoMemory if the cache has no room for the entry.
Result<PhysAddr> shared_page_adopt(fs::Inode* ip, uint64_t index, PhysAddr page);
// Drops the caller's reference; frees the page (and forgets it) when only
// the cache's own reference is left.
void shared_page_put(fs::Inode* ip, uint64_t index, PhysAddr page);

// The one page of zeros that untouched anonymous memory maps read-only.
PhysAddr zero_page();
Result<void> zero_page_init();

}  // namespace rivet::mm
