// A bounds-checked reader for flattened device trees (the devicetree
// specification's "DTB" format: header, memory-reservation block, structure
// block, strings block).
//
// Fdt::open() checks the header and walks the whole structure block once, so
// a malformed tree is refused up front with a message that names the fault and
// its offset. The accessors afterwards still check every read against the
// block bounds: on a tree that passed open() they cannot fail for structural
// reasons, and if they ever met one that did not, they would fail closed (an
// empty Node or Property) instead of reading past the blob.
//
// Nodes are named by the offset of their FDT_BEGIN_NODE token, so navigating
// the tree needs no memory at all: no heap, no tables, nothing to free.
//
// Pure logic with no kernel or libc dependencies: compiled into the kernel and
// into the host unit tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace rivet::dt {

inline constexpr uint32_t kFdtMagic = 0xd00dfeed;
inline constexpr uint32_t kFdtHeaderSize = 40;   // version 17 header
inline constexpr uint32_t kFdtOldestVersion = 16;
inline constexpr uint32_t kFdtNewestVersion = 17;
// Real trees nest about eight deep; the limit bounds the ancestor stack that
// parent() and path() keep on the (kernel) stack.
inline constexpr uint32_t kFdtMaxDepth = 64;     // the root counts as 1

// Appends text and numbers to a caller-owned buffer. Never writes past the
// buffer, always leaves it NUL-terminated, silently truncates. This is all the
// printf the tree reader needs: "what went wrong, and at which offset".
class MessageBuilder {
 public:
  MessageBuilder(char* buffer, size_t capacity);

  MessageBuilder& text(const char* s);
  MessageBuilder& text(const char* s, size_t max_length);  // stops at NUL
  MessageBuilder& hex(uint64_t value);                     // "0x1a4"
  MessageBuilder& dec(uint64_t value);                     // "420"
  bool empty() const { return length_ == 0; }
  const char* c_str() const { return buffer_; }

 private:
  void put(char c);

  char* buffer_;
  size_t capacity_;
  size_t length_ = 0;
};

// A node, identified by the structure-block offset of its FDT_BEGIN_NODE
// token. The default value is "no node".
struct Node {
  static constexpr uint32_t kNone = 0xffffffffu;
  uint32_t offset = kNone;

  bool valid() const { return offset != kNone; }
  explicit operator bool() const { return valid(); }
  bool operator==(const Node&) const = default;
};

// One property. `name` is NUL-terminated inside the strings block; `value`
// points at `size` bytes inside the structure block. A default-constructed
// Property means "absent".
struct Property {
  const char* name = nullptr;
  const uint8_t* value = nullptr;
  uint32_t size = 0;
  uint32_t offset = 0;  // structure-block offset of the FDT_PROP token

  bool exists() const { return name != nullptr; }
  explicit operator bool() const { return exists(); }

  // The value as a C string, or nullptr unless a NUL lies within the value
  // (so the string can never run past the property).
  const char* as_string() const;
  // A value of exactly one cell.
  bool as_u32(uint32_t& out) const;
  // A value of one or two cells (timebase-frequency, linux,initrd-start...).
  bool as_u64(uint64_t& out) const;
  // Whether the string-list value holds `s` as one of its elements.
  bool has_string(const char* s) const;
  // The same, ignoring ASCII case.
  bool has_string_ignoring_case(const char* s) const;
};

// Walks the elements of a string-list value ("a\0b\0c\0"). An element that is
// not NUL-terminated inside the value ends the walk.
class StringList {
 public:
  explicit StringList(const Property& property)
      : data_(reinterpret_cast<const char*>(property.value)), size_(property.size) {}
  bool next(const char*& element);

 private:
  const char* data_;
  uint32_t size_;
  uint32_t position_ = 0;
};

// Reads big-endian cells from a property value, front to back.
class CellReader {
 public:
  explicit CellReader(const Property& property)
      : data_(property.value), cells_(property.size / 4) {}
  // Reads a number spanning `count` cells (0, 1 or 2; zero cells read as 0).
  // False if fewer cells remain or the number would not fit 64 bits.
  bool read(uint32_t count, uint64_t& out);
  bool skip(uint64_t count);
  uint32_t remaining() const { return cells_ - position_; }

 private:
  const uint8_t* data_;
  uint32_t cells_;
  uint32_t position_ = 0;
};

// One (address, size) entry of a `reg` or memory-reservation list.
struct RegEntry {
  uint64_t address = 0;
  uint64_t size = 0;
};

class Fdt;

// Walks a node's properties in order: `for (Property p; it.next(p);)`.
class PropertyIterator {
 public:
  bool next(Property& out);

 private:
  friend class Fdt;
  PropertyIterator(const Fdt* fdt, uint32_t offset) : fdt_(fdt), offset_(offset) {}
  const Fdt* fdt_;
  uint32_t offset_;
};

class Fdt {
 public:
  // Validates the header and the whole structure block of the tree at `blob`
  // (`bytes` readable bytes). On failure returns Error::Malformed and explains
  // why in `why`.
  static Result<Fdt> open(const void* blob, size_t bytes, MessageBuilder& why);
  // A tree with no nodes: every accessor fails closed. A placeholder until
  // open() succeeds.
  static Fdt empty() { return Fdt(); }

  uint32_t total_size() const { return total_size_; }

  // The memory-reservation block (entries before the all-zero terminator).
  uint32_t reservation_count() const { return reservation_count_; }
  RegEntry reservation(uint32_t index) const;

  // Navigation. Every function returns an invalid Node when there is none.
  Node root() const { return Node{root_offset_}; }
  Node first_child(Node node) const;
  Node next_sibling(Node node) const;
  Node next_in_tree_order(Node node) const;  // depth-first, document order
  Node parent(Node node) const;
  const char* name(Node node) const;         // "cpu@0"; the root is ""
  // The child called `name` (length `length`). A name without a unit address
  // also matches "name@unit" when no child is called exactly `name`.
  Node child(Node parent, const char* name, size_t length) const;
  Node child(Node parent, const char* name) const;
  // Resolves "/soc/serial@10000000", or an alias-relative path "serial0" or
  // "serial0/child" through /aliases. Only the first `length` bytes count, so
  // a caller can cut off stdout-path's ":115200n8" options.
  Node find_path(const char* path, size_t length) const;
  Node find_path(const char* path) const;
  Node find_phandle(uint32_t phandle) const;
  // The first node after `after` (or from the root) whose compatible list
  // holds `compatible`.
  Node find_compatible(const char* compatible, Node after = Node{}) const;
  // Writes the node's full path ("/soc/serial@10000000"). False if it was
  // truncated to fit `capacity` (the buffer is NUL-terminated either way).
  bool path(Node node, char* buffer, size_t capacity) const;

  // Properties.
  PropertyIterator properties(Node node) const;
  Property property(Node node, const char* name) const;
  bool is_compatible(Node node, const char* compatible) const;
  bool is_available(Node node) const;    // status absent, "okay" or "ok"
  uint32_t phandle(Node node) const;     // 0 when the node has none
  // The node's own #address-cells / #size-cells, which govern its children's
  // reg; the specification's defaults (2 and 1) when absent.
  uint32_t address_cells(Node node) const;
  uint32_t size_cells(Node node) const;

  // `reg` entries, decoded with the parent's #address-cells/#size-cells.
  // NotFound: no reg / index past the end; Malformed: the length is not a
  // whole number of entries; NotSupported: cells wider than 64 bits.
  Result<uint32_t> reg_count(Node node) const;
  // The entry as written, in the parent bus's address space.
  Result<RegEntry> reg(Node node, uint32_t index) const;
  // The entry translated through each ancestor bus's `ranges` into the CPU's
  // physical address space. An empty (or absent) ranges maps 1:1; an address
  // no ranges entry covers yields NotFound.
  Result<RegEntry> cpu_reg(Node node, uint32_t index) const;

 private:
  friend class PropertyIterator;
  Fdt() = default;

  Result<void> validate_structure(MessageBuilder& why);
  // Reads the token at `offset` and finds where the next one starts. False if
  // the token or its payload would leave the structure block.
  bool step(uint32_t offset, uint32_t& token, uint32_t& next) const;
  // Where the properties of `node` start, or Node::kNone.
  uint32_t body_offset(Node node) const;
  bool read_property(uint32_t offset, Property& out) const;
  // Fills `chain` with the root..node ancestry; returns its length, 0 if
  // `node` was not found.
  uint32_t ancestry(Node node, Node (&chain)[kFdtMaxDepth]) const;
  Result<void> translate_through(Node bus, Node bus_parent, RegEntry& entry) const;

  const uint8_t* blob_ = nullptr;
  uint32_t total_size_ = 0;
  const uint8_t* struct_ = nullptr;
  uint32_t struct_size_ = 0;
  const char* strings_ = nullptr;
  uint32_t strings_size_ = 0;
  uint32_t reservation_offset_ = 0;
  uint32_t reservation_count_ = 0;
  uint32_t root_offset_ = Node::kNone;
};

}  // namespace rivet::dt
