// The physical page allocator: one PageInfo per 4 KiB frame of the RAM span,
// a doubly linked free list threaded through the metadata (so the free pages
// themselves are never touched), and per-page reference counts for pages
// shared by several address spaces (copy-on-write, shared mappings).
//
// Pure logic: no locking, no kernel dependencies. The kernel wraps one
// instance with a lock (kernel/mm/pages.h); host unit tests drive it directly.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace rivet::mm {

struct PageInfo {
  uint32_t refcount;  // 0 when free or reserved
  uint16_t state;     // PageState
  uint16_t flags;     // for users of the page (e.g. page-table page, swap)
  uint32_t prev;      // free-list links: frame indices, or kNoPage
  uint32_t next;
  // Debugging a reference put once too often: the low 32 bits of the two
  // innermost return addresses of the put that last freed the frame (the
  // kernel's wrapper fills them in; kernel text lies in one 4 GiB window,
  // so the low half names the function). A later put of the free frame
  // reports them: they name whoever dropped the reference that was not
  // theirs, or the owner that put its page a second time.
  uint32_t freed_by[2];
};
static_assert(sizeof(PageInfo) == 24);

enum PageState : uint16_t { kPageReserved = 0, kPageFree = 1, kPageAllocated = 2 };

class PageAllocator {
 public:
  static constexpr uint32_t kNoPage = 0xffffffffu;

  static constexpr uint64_t metadata_bytes(uint64_t frames) { return frames * sizeof(PageInfo); }

  // Takes over `frames` frames starting at frame number `first_pfn`, with
  // metadata in `meta` (metadata_bytes(frames) bytes). Every frame starts
  // reserved; release() the usable ones.
  void init(PageInfo* meta, uint64_t first_pfn, uint64_t frames);

  // Boot-time bookkeeping: make [begin, end) allocatable, or take frames out
  // again (firmware, kernel image, device tree). Frames outside the span are
  // ignored; allocated frames are never touched.
  void release(uint64_t pfn_begin, uint64_t pfn_end);
  void reserve(uint64_t pfn_begin, uint64_t pfn_end);

  // One frame with reference count 1, or Error::NoMemory.
  Result<uint64_t> allocate();
  // `count` physically contiguous frames whose first frame number is a
  // multiple of `align_frames` (a power of two), each with count 1.
  Result<uint64_t> allocate_contiguous(uint64_t count, uint64_t align_frames = 1);

  // Reference counting. put() frees the frame when the count reaches zero and
  // returns true then.
  void get(uint64_t pfn);
  bool put(uint64_t pfn);
  // The same without the checks' failure path, for callers that report a
  // bad reference themselves: false (and nothing changed) unless pfn is an
  // allocated frame with a reference (and, for get, room for one more).
  // Inline: fork and exit take and drop a reference per page.
  // The record of a frame allocate() or allocate_contiguous() just returned
  // (no checks: the caller has it from the allocator).
  PageInfo& allocated_info(uint64_t pfn) { return meta_[pfn - first_pfn_]; }
  bool try_get(uint64_t pfn) {
    if (!contains(pfn)) return false;
    PageInfo& p = meta_[pfn - first_pfn_];
    if (p.state != kPageAllocated || p.refcount == 0 || p.refcount == 0xffffffffu) return false;
    p.refcount++;
    return true;
  }
  // *freed: whether this put freed the frame; *flags: its flags before.
  bool try_put(uint64_t pfn, bool* freed, uint16_t* flags) {
    if (!contains(pfn)) return false;
    PageInfo& p = meta_[pfn - first_pfn_];
    if (p.state != kPageAllocated || p.refcount == 0) return false;
    *flags = p.flags;
    *freed = --p.refcount == 0;
    if (*freed) push_free(static_cast<uint32_t>(pfn - first_pfn_));
    return true;
  }
  uint32_t refcount(uint64_t pfn) const;
  PageInfo& info(uint64_t pfn);

  bool contains(uint64_t pfn) const { return pfn >= first_pfn_ && pfn - first_pfn_ < frames_; }
  bool is_allocated(uint64_t pfn) const;
  uint64_t free_frames() const { return free_count_; }
  uint64_t usable_frames() const { return usable_count_; }  // free + allocated
  uint64_t first_pfn() const { return first_pfn_; }
  uint64_t frame_count() const { return frames_; }

 private:
  void unlink(uint32_t index);
  void push_free(uint32_t index);

  PageInfo* meta_ = nullptr;
  uint64_t first_pfn_ = 0;
  uint64_t frames_ = 0;
  uint32_t free_head_ = kNoPage;
  uint64_t free_count_ = 0;
  uint64_t usable_count_ = 0;
};

}  // namespace rivet::mm
