rivet_unit_test(unit_mm
  ${CMAKE_SOURCE_DIR}/tests/unit/page_allocator_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/mm/page_allocator.cc)

# kmalloc's large objects over a stand-in page allocator (kmalloc_test.cc
# provides pages, locks and panic).
rivet_unit_test(unit_kmalloc
  ${CMAKE_SOURCE_DIR}/tests/unit/kmalloc_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/mm/kmalloc.cc)

# The VMA list's arithmetic (insert, split, munmap/mprotect carving, gaps,
# the area limit); the test provides the records (vma_record_new & co.).
rivet_unit_test(unit_vma_list
  ${CMAKE_SOURCE_DIR}/tests/unit/vma_list_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/mm/vma_list.cc)
