#include "kernel/mm/vma_list.h"

namespace rivet::mm {

Result<Vma*> VmaList::insert(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags, Vma* record) {
  auto refuse = [record](Error e) -> Result<Vma*> {
    if (record) vma_record_delete(record);
    return e;
  };
  bool empty_ok = flags & kVmaHeap;
  if (start > end || (start == end && !empty_ok) || (start | end) & (kPageSize - 1) || end > kUserLimit ||
      start < kPageSize)
    return refuse(Error::Invalid);
  Vma** link = &head_;
  while (*link && (*link)->start < start) link = &(*link)->next;
  for (Vma* v = head_; v; v = v->next)
    if (v->start < end && start < v->end) return refuse(Error::Exists);
  if (count_ >= kMaxVmas) return refuse(Error::NoMemory);
  Vma* v = record ? record : vma_record_new();
  if (!v) return Error::NoMemory;
  count_++;
  v->start = start;
  v->end = end;
  v->prot = prot;
  v->flags = flags;
  v->next = *link;
  *link = v;
  return v;
}

Result<Vma*> VmaList::split(Vma* vma, uint64_t at) {
  if (count_ >= kMaxVmas) return Error::NoMemory;
  Vma* upper = vma_record_new();
  if (!upper) return Error::NoMemory;
  count_++;
  *upper = *vma;
  upper->start = at;
  if (vma->inode) upper->file_offset = vma->offset_of(at);
  vma_record_copied(upper);
  vma->end = at;
  vma->next = upper;
  return upper;
}

Result<Vma*> VmaList::split_around(uint64_t start, uint64_t end) {
  Vma* first = nullptr;
  for (Vma* v = head_; v && v->start < end; v = v->next) {
    if (v->end <= start) continue;
    if (v->start < start) {
      TRY(split(v, start));
      continue;  // the upper part comes next
    }
    if (!first) first = v;
    if (v->end > end) TRY(split(v, end));
  }
  return first;
}

Result<void> VmaList::resize(Vma* vma, uint64_t new_end) {
  if (new_end & (kPageSize - 1) || new_end < vma->start || new_end > kUserLimit) return Error::Invalid;
  if (new_end > vma->end) {
    for (Vma* v = head_; v; v = v->next)
      if (v != vma && v->start < new_end && vma->end < v->end) return Error::NoMemory;
  }
  vma->end = new_end;
  return {};
}

bool VmaList::covers(uint64_t start, uint64_t end) const {
  uint64_t covered = start;
  for (Vma* v = head_; v && covered < end; v = v->next) {
    if (v->end <= covered) continue;
    if (v->start > covered) return false;
    covered = v->end;
  }
  return covered >= end;
}

bool VmaList::range_allows(uint64_t start, uint64_t end, Access access) const {
  uint64_t at = start;
  for (Vma* v = head_; v && at < end; v = v->next) {
    if (v->end <= at) continue;
    if (v->start > at || !permits(v->prot, access)) return false;
    at = v->end;
  }
  return at >= end;
}

bool VmaList::mmap_only(uint64_t start, uint64_t end) const {
  for (Vma* v = head_; v; v = v->next)
    if (v->start < end && start < v->end && !(v->flags & kVmaMmap)) return false;
  return true;
}

uint64_t VmaList::find_gap(uint64_t length, uint64_t hint, const Vma* heap) const {
  uint64_t floor = heap ? heap->end + kPageSize : kPageSize;
  auto free_at = [&](uint64_t lo) {
    if (lo < floor || lo + length < lo || lo + length > kUserLimit) return false;
    for (Vma* v = head_; v; v = v->next)
      if (v->start < lo + length && lo < v->end) return false;
    return true;
  };
  if (hint && (hint & (kPageSize - 1)) == 0 && free_at(hint)) return hint;
  // Top down: the highest gap below each area (areas are sorted upward).
  uint64_t best = 0;
  uint64_t prev_end = floor;
  for (Vma* v = head_; v; v = v->next) {
    if (v->start >= prev_end && v->start - prev_end >= length) best = v->start - length;
    if (v->end > prev_end) prev_end = v->end;
  }
  // Nothing goes above the stack (the top areas are the stack and its guard).
  return best;
}

void VmaList::clear() {
  for (Vma* v = head_; v;) {
    Vma* next = v->next;
    vma_record_delete(v);
    v = next;
  }
  head_ = nullptr;
  count_ = 0;
}

}  // namespace rivet::mm
