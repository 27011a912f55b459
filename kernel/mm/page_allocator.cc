#include "kernel/mm/page_allocator.h"

#include "kernel/lib/check.h"

namespace rivet::mm {

void PageAllocator::init(PageInfo* meta, uint64_t first_pfn, uint64_t frames) {
  RIVET_CHECK(frames < kNoPage);
  meta_ = meta;
  first_pfn_ = first_pfn;
  frames_ = frames;
  free_head_ = kNoPage;
  free_count_ = 0;
  usable_count_ = 0;
  for (uint64_t i = 0; i < frames; i++) meta_[i] = PageInfo{0, kPageReserved, 0, kNoPage, kNoPage, {0, 0}};
}

void PageAllocator::unlink(uint32_t index) {
  PageInfo& p = meta_[index];
  if (p.prev != kNoPage)
    meta_[p.prev].next = p.next;
  else
    free_head_ = p.next;
  if (p.next != kNoPage) meta_[p.next].prev = p.prev;
  p.prev = p.next = kNoPage;
  free_count_--;
}

void PageAllocator::push_free(uint32_t index) {
  PageInfo& p = meta_[index];
  p.state = kPageFree;
  p.refcount = 0;
  p.flags = 0;
  p.prev = kNoPage;
  p.next = free_head_;
  if (free_head_ != kNoPage) meta_[free_head_].prev = index;
  free_head_ = index;
  free_count_++;
}

void PageAllocator::release(uint64_t pfn_begin, uint64_t pfn_end) {
  // Walk downwards so the free list hands out low addresses first.
  uint64_t lo = pfn_begin < first_pfn_ ? first_pfn_ : pfn_begin;
  uint64_t hi = pfn_end > first_pfn_ + frames_ ? first_pfn_ + frames_ : pfn_end;
  for (uint64_t pfn = hi; pfn > lo; pfn--) {
    uint32_t index = static_cast<uint32_t>(pfn - 1 - first_pfn_);
    if (meta_[index].state != kPageReserved) continue;
    push_free(index);
    usable_count_++;
  }
}

void PageAllocator::reserve(uint64_t pfn_begin, uint64_t pfn_end) {
  uint64_t lo = pfn_begin < first_pfn_ ? first_pfn_ : pfn_begin;
  uint64_t hi = pfn_end > first_pfn_ + frames_ ? first_pfn_ + frames_ : pfn_end;
  for (uint64_t pfn = lo; pfn < hi; pfn++) {
    uint32_t index = static_cast<uint32_t>(pfn - first_pfn_);
    if (meta_[index].state != kPageFree) continue;
    unlink(index);
    meta_[index].state = kPageReserved;
    usable_count_--;
  }
}

Result<uint64_t> PageAllocator::allocate() {
  if (free_head_ == kNoPage) return Error::NoMemory;
  uint32_t index = free_head_;
  unlink(index);
  meta_[index].state = kPageAllocated;
  meta_[index].refcount = 1;
  return first_pfn_ + index;
}

Result<uint64_t> PageAllocator::allocate_contiguous(uint64_t count, uint64_t align_frames) {
  if (count == 0 || align_frames == 0 || (align_frames & (align_frames - 1)) != 0) return Error::Invalid;
  if (count > free_count_ || count > frames_) return Error::NoMemory;
  // First fit from the top of memory down. Single frames come from the
  // bottom (the free list hands out low frames first), so the top is
  // where long free runs are, and the search does not step over every
  // frame in use to find one (exec's argument buffer is one per exec).
  uint64_t end = first_pfn_ + frames_;  // the run is [end - count, end)
  while (end >= first_pfn_ + count) {
    uint64_t start = (end - count) & ~(align_frames - 1);
    if (start < first_pfn_) break;
    end = start + count;
    uint64_t run = 0;  // free frames found, from the top of the run down
    while (run < count && meta_[end - 1 - run - first_pfn_].state == kPageFree) run++;
    if (run == count) {
      for (uint64_t i = 0; i < count; i++) {
        uint32_t index = static_cast<uint32_t>(start - first_pfn_ + i);
        unlink(index);
        meta_[index].state = kPageAllocated;
        meta_[index].refcount = 1;
      }
      return start;
    }
    // The frame that broke the run: the next run must end below it.
    end = end - 1 - run;
  }
  return Error::NoMemory;
}

PageInfo& PageAllocator::info(uint64_t pfn) {
  RIVET_CHECK(contains(pfn));
  return meta_[pfn - first_pfn_];
}

bool PageAllocator::is_allocated(uint64_t pfn) const {
  return contains(pfn) && meta_[pfn - first_pfn_].state == kPageAllocated;
}

void PageAllocator::get(uint64_t pfn) {
  RIVET_CHECK(contains(pfn));
  RIVET_CHECK(try_get(pfn));
}

bool PageAllocator::put(uint64_t pfn) {
  RIVET_CHECK(contains(pfn));
  bool freed = false;
  uint16_t flags;
  RIVET_CHECK(try_put(pfn, &freed, &flags));
  return freed;
}

uint32_t PageAllocator::refcount(uint64_t pfn) const {
  return contains(pfn) ? meta_[pfn - first_pfn_].refcount : 0;
}

}  // namespace rivet::mm
