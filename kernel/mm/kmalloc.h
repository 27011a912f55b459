// Kernel heap for variable-sized objects (VMAs, pipes, file objects, ELF
// headers): power-of-two size classes carved from pages, larger requests
// as whole contiguous pages. Never throws, never panics on exhaustion:
// kmalloc returns nullptr and knew<T> returns Error::NoMemory.
#pragma once

#include <stddef.h>

#include <new>
#include <utility>

#include "kernel/lib/result.h"

namespace rivet {

void* kmalloc(size_t size);          // 16-byte aligned, contents undefined
void* kzalloc(size_t size);          // zeroed
void kfree(void* p);                 // nullptr is fine

template <typename T, typename... Args>
Result<T*> knew(Args&&... args) {
  void* p = kmalloc(sizeof(T));
  if (!p) return Error::NoMemory;
  return new (p) T(std::forward<Args>(args)...);
}

template <typename T>
void kdelete(T* p) {
  if (!p) return;
  p->~T();
  kfree(p);
}

}  // namespace rivet
