#include "kernel/dt/fdt.h"

namespace rivet::dt {
namespace {

// Structure-block tokens.
constexpr uint32_t kTokenBeginNode = 1;
constexpr uint32_t kTokenEndNode = 2;
constexpr uint32_t kTokenProp = 3;
constexpr uint32_t kTokenNop = 4;
constexpr uint32_t kTokenEnd = 9;

// Header field offsets.
constexpr uint32_t kHeaderMagic = 0;
constexpr uint32_t kHeaderTotalSize = 4;
constexpr uint32_t kHeaderOffStruct = 8;
constexpr uint32_t kHeaderOffStrings = 12;
constexpr uint32_t kHeaderOffReservations = 16;
constexpr uint32_t kHeaderVersion = 20;
constexpr uint32_t kHeaderLastCompVersion = 24;
constexpr uint32_t kHeaderSizeStrings = 32;
constexpr uint32_t kHeaderSizeStruct = 36;

constexpr uint32_t kPropHeaderSize = 12;  // token, value length, name offset
constexpr uint32_t kReservationEntrySize = 16;

// Byte-wise loads: the blob may sit at any alignment, and the values are
// big-endian whatever the CPU is.
uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

uint64_t load_be64(const uint8_t* p) {
  return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

// Rounds up to the 4-byte token alignment. Done in 64 bits so a hostile
// length near 4 GiB cannot wrap around to a small offset.
uint64_t align4(uint64_t value) { return (value + 3) & ~uint64_t{3}; }

// Length of the string at `s`, looking at no more than `limit` bytes; returns
// `limit` when there is no NUL in that window.
size_t bounded_length(const char* s, size_t limit) {
  size_t n = 0;
  while (n < limit && s[n] != '\0') ++n;
  return n;
}

bool equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// Whether the NUL-terminated `a` equals the `length` bytes at `b`.
bool equal_counted(const char* a, const char* b, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    if (a[i] == '\0' || a[i] != b[i]) return false;
  }
  return a[length] == '\0';
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(const char* a, const char* b) {
  while (*a != '\0' && to_lower(*a) == to_lower(*b)) {
    ++a;
    ++b;
  }
  return to_lower(*a) == to_lower(*b);
}

bool contains_char(const char* s, size_t length, char c) {
  for (size_t i = 0; i < length; ++i) {
    if (s[i] == c) return true;
  }
  return false;
}

}  // namespace

// ---- MessageBuilder --------------------------------------------------------

MessageBuilder::MessageBuilder(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {
  if (capacity_ > 0) buffer_[0] = '\0';
}

void MessageBuilder::put(char c) {
  if (length_ + 1 >= capacity_) return;
  buffer_[length_++] = c;
  buffer_[length_] = '\0';
}

MessageBuilder& MessageBuilder::text(const char* s) {
  while (*s != '\0') put(*s++);
  return *this;
}

MessageBuilder& MessageBuilder::text(const char* s, size_t max_length) {
  for (size_t i = 0; i < max_length && s[i] != '\0'; ++i) put(s[i]);
  return *this;
}

MessageBuilder& MessageBuilder::hex(uint64_t value) {
  put('0');
  put('x');
  int shift = 60;
  while (shift > 0 && ((value >> shift) & 0xf) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) put("0123456789abcdef"[(value >> shift) & 0xf]);
  return *this;
}

MessageBuilder& MessageBuilder::dec(uint64_t value) {
  char digits[20];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) put(digits[--count]);
  return *this;
}

// ---- Property values -------------------------------------------------------

const char* Property::as_string() const {
  if (value == nullptr || size == 0) return nullptr;
  const char* s = reinterpret_cast<const char*>(value);
  return bounded_length(s, size) < size ? s : nullptr;
}

bool Property::as_u32(uint32_t& out) const {
  if (value == nullptr || size != 4) return false;
  out = load_be32(value);
  return true;
}

bool Property::as_u64(uint64_t& out) const {
  if (value == nullptr) return false;
  if (size == 4) {
    out = load_be32(value);
    return true;
  }
  if (size == 8) {
    out = load_be64(value);
    return true;
  }
  return false;
}

bool Property::has_string(const char* s) const {
  StringList list(*this);
  for (const char* element; list.next(element);) {
    if (equal(element, s)) return true;
  }
  return false;
}

bool Property::has_string_ignoring_case(const char* s) const {
  StringList list(*this);
  for (const char* element; list.next(element);) {
    if (equal_ignoring_case(element, s)) return true;
  }
  return false;
}

bool StringList::next(const char*& element) {
  if (data_ == nullptr || position_ >= size_) return false;
  const char* start = data_ + position_;
  size_t length = bounded_length(start, size_ - position_);
  if (length == size_ - position_) return false;  // unterminated tail
  element = start;
  position_ += static_cast<uint32_t>(length) + 1;
  return true;
}

bool CellReader::read(uint32_t count, uint64_t& out) {
  if (count > 2 || count > remaining()) return false;
  uint64_t value = 0;
  for (uint32_t i = 0; i < count; ++i) value = (value << 32) | load_be32(data_ + 4 * (position_ + i));
  position_ += count;
  out = value;
  return true;
}

bool CellReader::skip(uint64_t count) {
  if (count > remaining()) return false;
  position_ += static_cast<uint32_t>(count);
  return true;
}

// ---- Opening and validating ------------------------------------------------

Result<Fdt> Fdt::open(const void* blob, size_t bytes, MessageBuilder& why) {
  const uint8_t* base = static_cast<const uint8_t*>(blob);
  if (base == nullptr || bytes < kFdtHeaderSize) {
    why.text("dt: blob of ").dec(bytes).text(" bytes is smaller than the ").dec(kFdtHeaderSize).text("-byte FDT header");
    return Error::Malformed;
  }
  uint32_t magic = load_be32(base + kHeaderMagic);
  if (magic != kFdtMagic) {
    why.text("dt: bad magic ").hex(magic).text(" (expected ").hex(kFdtMagic).text(")");
    return Error::Malformed;
  }
  uint32_t total = load_be32(base + kHeaderTotalSize);
  if (total > bytes) {
    why.text("dt: truncated: totalsize ").hex(total).text(" exceeds the ").hex(bytes).text(" bytes available");
    return Error::Malformed;
  }
  if (total < kFdtHeaderSize) {
    why.text("dt: totalsize ").hex(total).text(" is smaller than the header");
    return Error::Malformed;
  }
  uint32_t version = load_be32(base + kHeaderVersion);
  uint32_t last_compatible = load_be32(base + kHeaderLastCompVersion);
  if (version < kFdtOldestVersion) {
    why.text("dt: version ").dec(version).text(" is older than the oldest supported, ").dec(kFdtOldestVersion);
    return Error::Malformed;
  }
  if (last_compatible > kFdtNewestVersion) {
    why.text("dt: last_comp_version ").dec(last_compatible).text(" is newer than ").dec(kFdtNewestVersion)
        .text(", so this reader cannot parse it");
    return Error::Malformed;
  }

  uint32_t struct_offset = load_be32(base + kHeaderOffStruct);
  uint32_t strings_offset = load_be32(base + kHeaderOffStrings);
  uint32_t reservation_offset = load_be32(base + kHeaderOffReservations);
  uint32_t strings_size = load_be32(base + kHeaderSizeStrings);
  // size_dt_struct only exists from version 17. A version-16 structure block
  // is taken to run to the strings block if that follows it, else to
  // totalsize, in whole tokens; its FDT_END must come before that.
  uint32_t struct_size = load_be32(base + kHeaderSizeStruct);
  if (version < 17) {
    uint32_t end = (strings_offset > struct_offset && strings_offset <= total) ? strings_offset : total;
    struct_size = struct_offset <= end ? (end - struct_offset) & ~uint32_t{3} : 0;
  }

  // Each block must lie between the header and totalsize. Sums in 64 bits so
  // an offset plus size cannot wrap past 4 GiB back into range.
  struct BlockCheck {
    const char* what;
    uint32_t offset;
    uint32_t size;
  };
  const BlockCheck blocks[] = {
      {"struct", struct_offset, struct_size},
      {"strings", strings_offset, strings_size},
  };
  for (const BlockCheck& block : blocks) {
    if (block.offset < kFdtHeaderSize || uint64_t{block.offset} + block.size > total) {
      why.text("dt: ").text(block.what).text(" block at ").hex(block.offset).text(" size ").hex(block.size)
          .text(" lies outside the header..totalsize ").hex(total).text(" window");
      return Error::Malformed;
    }
  }
  if (struct_offset % 4 != 0 || struct_size % 4 != 0) {
    why.text("dt: struct block at ").hex(struct_offset).text(" size ").hex(struct_size)
        .text(" is not 4-byte aligned");
    return Error::Malformed;
  }
  if (reservation_offset < kFdtHeaderSize || reservation_offset > total || reservation_offset % 8 != 0) {
    why.text("dt: memory reservation block offset ").hex(reservation_offset)
        .text(" is misaligned or outside totalsize ").hex(total);
    return Error::Malformed;
  }

  Fdt fdt;
  fdt.blob_ = base;
  fdt.total_size_ = total;
  fdt.struct_ = base + struct_offset;
  fdt.struct_size_ = struct_size;
  fdt.strings_ = reinterpret_cast<const char*>(base + strings_offset);
  fdt.strings_size_ = strings_size;
  fdt.reservation_offset_ = reservation_offset;

  // The reservation list has no length field: it runs to an all-zero entry,
  // which must itself lie inside the blob.
  uint32_t count = 0;
  for (uint64_t at = reservation_offset;; at += kReservationEntrySize, ++count) {
    if (at + kReservationEntrySize > total) {
      why.text("dt: memory reservation block at ").hex(reservation_offset)
          .text(" has no terminating entry before totalsize ").hex(total);
      return Error::Malformed;
    }
    if (load_be64(base + at) == 0 && load_be64(base + at + 8) == 0) break;
  }
  fdt.reservation_count_ = count;

  TRY(fdt.validate_structure(why));
  return fdt;
}

// One pass over every token. After it, the tree is known to have one root,
// balanced BEGIN/END_NODE pairs no deeper than kFdtMaxDepth, properties that
// fit the struct block and name NUL-terminated strings, properties before
// subnodes, and an FDT_END. The loop ends because each token moves the offset
// forward by at least four bytes within a finite block.
Result<void> Fdt::validate_structure(MessageBuilder& why) {
  uint32_t offset = 0;
  uint32_t depth = 0;
  bool root_seen = false;
  bool root_closed = false;
  bool in_subnodes = false;  // the current node has already had a child

  for (;;) {
    if (uint64_t{offset} + 4 > struct_size_) {
      why.text("dt: struct block ends at struct offset ").hex(struct_size_).text(" without FDT_END");
      return Error::Malformed;
    }
    uint32_t token = load_be32(struct_ + offset);
    switch (token) {
      case kTokenBeginNode: {
        if (root_closed) {
          why.text("dt: second root node at struct offset ").hex(offset);
          return Error::Malformed;
        }
        const char* name = reinterpret_cast<const char*>(struct_ + offset + 4);
        size_t room = struct_size_ - (offset + 4);
        size_t length = bounded_length(name, room);
        if (length == room) {
          why.text("dt: node name at struct offset ").hex(offset)
              .text(" is not NUL-terminated within the struct block");
          return Error::Malformed;
        }
        if (depth == kFdtMaxDepth) {
          why.text("dt: node at struct offset ").hex(offset).text(" nests deeper than ").dec(kFdtMaxDepth)
              .text(" levels");
          return Error::Malformed;
        }
        if (!root_seen) root_offset_ = offset;
        root_seen = true;
        ++depth;
        in_subnodes = false;
        offset = static_cast<uint32_t>(align4(uint64_t{offset} + 4 + length + 1));
        break;
      }
      case kTokenEndNode:
        if (depth == 0) {
          why.text("dt: FDT_END_NODE at struct offset ").hex(offset).text(" closes no open node");
          return Error::Malformed;
        }
        --depth;
        if (depth == 0) root_closed = true;
        in_subnodes = true;  // back in the parent, after one of its children
        offset += 4;
        break;
      case kTokenProp: {
        if (depth == 0) {
          why.text("dt: property at struct offset ").hex(offset).text(" is outside any node");
          return Error::Malformed;
        }
        if (in_subnodes) {
          why.text("dt: property at struct offset ").hex(offset).text(" follows a subnode");
          return Error::Malformed;
        }
        if (uint64_t{offset} + kPropHeaderSize > struct_size_) {
          why.text("dt: property header at struct offset ").hex(offset)
              .text(" runs past the end of the struct block");
          return Error::Malformed;
        }
        uint32_t length = load_be32(struct_ + offset + 4);
        uint32_t name_offset = load_be32(struct_ + offset + 8);
        if (length > struct_size_ - (offset + kPropHeaderSize)) {
          why.text("dt: property at struct offset ").hex(offset).text(" (length ").hex(length)
              .text(") runs past the end of the struct block");
          return Error::Malformed;
        }
        if (name_offset >= strings_size_) {
          why.text("dt: property at struct offset ").hex(offset).text(" has name offset ").hex(name_offset)
              .text(" past the strings block (size ").hex(strings_size_).text(")");
          return Error::Malformed;
        }
        if (bounded_length(strings_ + name_offset, strings_size_ - name_offset) == strings_size_ - name_offset) {
          why.text("dt: property at struct offset ").hex(offset).text(" has an unterminated name at strings offset ")
              .hex(name_offset);
          return Error::Malformed;
        }
        offset = static_cast<uint32_t>(align4(uint64_t{offset} + kPropHeaderSize + length));
        break;
      }
      case kTokenNop:
        offset += 4;
        break;
      case kTokenEnd:
        if (!root_seen) {
          why.text("dt: FDT_END at struct offset ").hex(offset).text(" before any root node");
          return Error::Malformed;
        }
        if (depth != 0) {
          why.text("dt: FDT_END at struct offset ").hex(offset).text(" with ").dec(depth)
              .text(" node(s) still open");
          return Error::Malformed;
        }
        return {};
      default:
        why.text("dt: unknown token ").hex(token).text(" at struct offset ").hex(offset);
        return Error::Malformed;
    }
  }
}

RegEntry Fdt::reservation(uint32_t index) const {
  if (index >= reservation_count_) return {};
  const uint8_t* entry = blob_ + reservation_offset_ + uint64_t{index} * kReservationEntrySize;
  return RegEntry{load_be64(entry), load_be64(entry + 8)};
}

// ---- Token stepping --------------------------------------------------------

bool Fdt::step(uint32_t offset, uint32_t& token, uint32_t& next) const {
  if (uint64_t{offset} + 4 > struct_size_) return false;
  token = load_be32(struct_ + offset);
  uint64_t after = uint64_t{offset} + 4;
  switch (token) {
    case kTokenBeginNode: {
      const char* name = reinterpret_cast<const char*>(struct_ + after);
      size_t room = struct_size_ - after;
      size_t length = bounded_length(name, room);
      if (length == room) return false;
      after = align4(after + length + 1);
      break;
    }
    case kTokenProp: {
      if (uint64_t{offset} + kPropHeaderSize > struct_size_) return false;
      uint32_t length = load_be32(struct_ + offset + 4);
      after = align4(uint64_t{offset} + kPropHeaderSize + length);
      break;
    }
    case kTokenEndNode:
    case kTokenNop:
    case kTokenEnd:
      break;
    default:
      return false;
  }
  if (after > struct_size_) return false;
  next = static_cast<uint32_t>(after);
  return true;
}

uint32_t Fdt::body_offset(Node node) const {
  uint32_t token;
  uint32_t next;
  if (!node.valid() || !step(node.offset, token, next) || token != kTokenBeginNode) return Node::kNone;
  return next;
}

bool Fdt::read_property(uint32_t offset, Property& out) const {
  if (uint64_t{offset} + kPropHeaderSize > struct_size_) return false;
  uint32_t length = load_be32(struct_ + offset + 4);
  uint32_t name_offset = load_be32(struct_ + offset + 8);
  if (length > struct_size_ - (offset + kPropHeaderSize)) return false;
  if (name_offset >= strings_size_) return false;
  const char* name = strings_ + name_offset;
  if (bounded_length(name, strings_size_ - name_offset) == strings_size_ - name_offset) return false;
  out.name = name;
  out.value = struct_ + offset + kPropHeaderSize;
  out.size = length;
  out.offset = offset;
  return true;
}

// ---- Navigation ------------------------------------------------------------

Node Fdt::first_child(Node node) const {
  uint32_t offset = body_offset(node);
  uint32_t token;
  uint32_t next;
  while (offset != Node::kNone && step(offset, token, next)) {
    if (token == kTokenBeginNode) return Node{offset};
    if (token != kTokenProp && token != kTokenNop) break;
    offset = next;
  }
  return {};
}

Node Fdt::next_sibling(Node node) const {
  uint32_t token;
  uint32_t next;
  if (!node.valid() || !step(node.offset, token, next) || token != kTokenBeginNode) return {};
  // Skip the node's whole subtree, then any NOPs; a BEGIN_NODE that follows
  // is the sibling, anything else means the parent is ending.
  uint32_t depth = 1;
  uint32_t offset = next;
  while (depth > 0) {
    if (!step(offset, token, next)) return {};
    if (token == kTokenBeginNode) ++depth;
    if (token == kTokenEndNode) --depth;
    if (token == kTokenEnd) return {};
    offset = next;
  }
  while (step(offset, token, next)) {
    if (token == kTokenBeginNode) return Node{offset};
    if (token != kTokenNop) break;
    offset = next;
  }
  return {};
}

Node Fdt::next_in_tree_order(Node node) const {
  uint32_t token;
  uint32_t next;
  if (!node.valid() || !step(node.offset, token, next) || token != kTokenBeginNode) return {};
  for (uint32_t offset = next; step(offset, token, next); offset = next) {
    if (token == kTokenBeginNode) return Node{offset};
    if (token == kTokenEnd) break;
  }
  return {};
}

uint32_t Fdt::ancestry(Node node, Node (&chain)[kFdtMaxDepth]) const {
  if (!node.valid()) return 0;
  uint32_t depth = 0;
  uint32_t token;
  uint32_t next;
  for (uint32_t offset = root_offset_; step(offset, token, next); offset = next) {
    if (token == kTokenBeginNode) {
      if (depth == kFdtMaxDepth) return 0;
      chain[depth++] = Node{offset};
      if (offset == node.offset) return depth;
    } else if (token == kTokenEndNode) {
      if (depth == 0) return 0;
      --depth;
    } else if (token == kTokenEnd) {
      break;
    }
  }
  return 0;
}

Node Fdt::parent(Node node) const {
  Node chain[kFdtMaxDepth];
  uint32_t depth = ancestry(node, chain);
  return depth >= 2 ? chain[depth - 2] : Node{};
}

const char* Fdt::name(Node node) const {
  if (body_offset(node) == Node::kNone) return "";
  return reinterpret_cast<const char*>(struct_ + node.offset + 4);
}

Node Fdt::child(Node parent, const char* wanted, size_t length) const {
  bool wanted_has_unit = contains_char(wanted, length, '@');
  Node by_base_name;
  for (Node node = first_child(parent); node; node = next_sibling(node)) {
    const char* candidate = name(node);
    if (equal_counted(candidate, wanted, length)) return node;
    // "memory" matches "memory@80000000" when nothing is called plain "memory".
    if (!wanted_has_unit && !by_base_name && bounded_length(candidate, length) == length &&
        __builtin_memcmp(candidate, wanted, length) == 0 && candidate[length] == '@') {
      by_base_name = node;
    }
  }
  return by_base_name;
}

Node Fdt::child(Node parent, const char* name) const {
  return child(parent, name, __builtin_strlen(name));
}

Node Fdt::find_path(const char* path, size_t length) const {
  if (path == nullptr) return {};
  length = bounded_length(path, length);
  if (length == 0) return {};
  Node node;
  size_t position = 0;
  if (path[0] == '/') {
    node = root();
  } else {
    // The first component is an alias; its value must be an absolute path
    // (aliases never refer to other aliases, so this cannot loop).
    while (position < length && path[position] != '/') ++position;
    Node aliases = child(root(), "aliases");
    if (!aliases) return {};
    const char* target = nullptr;
    uint32_t target_size = 0;
    PropertyIterator it = properties(aliases);
    for (Property p; it.next(p);) {
      if (equal_counted(p.name, path, position)) {
        target = p.as_string();
        target_size = p.size;
        break;
      }
    }
    if (target == nullptr || target[0] != '/') return {};
    node = find_path(target, target_size);
  }
  while (node && position < length) {
    if (path[position] == '/') {
      ++position;
      continue;
    }
    size_t end = position;
    while (end < length && path[end] != '/') ++end;
    node = child(node, path + position, end - position);
    position = end;
  }
  return node;
}

Node Fdt::find_path(const char* path) const {
  return path == nullptr ? Node{} : find_path(path, __builtin_strlen(path));
}

Node Fdt::find_phandle(uint32_t phandle) const {
  // 0 and 0xffffffff are reserved: never valid phandles.
  if (phandle == 0 || phandle == 0xffffffffu) return {};
  for (Node node = root(); node; node = next_in_tree_order(node)) {
    if (this->phandle(node) == phandle) return node;
  }
  return {};
}

Node Fdt::find_compatible(const char* compatible, Node after) const {
  Node node = after ? next_in_tree_order(after) : root();
  for (; node; node = next_in_tree_order(node)) {
    if (is_compatible(node, compatible)) return node;
  }
  return {};
}

bool Fdt::path(Node node, char* buffer, size_t capacity) const {
  MessageBuilder out(buffer, capacity);
  Node chain[kFdtMaxDepth];
  uint32_t depth = ancestry(node, chain);
  if (depth == 0) return false;
  size_t wanted = depth == 1 ? 1 : 0;
  if (depth == 1) out.text("/");
  for (uint32_t i = 1; i < depth; ++i) {
    const char* component = name(chain[i]);
    out.text("/").text(component);
    wanted += 1 + __builtin_strlen(component);
  }
  return wanted < capacity;
}

// ---- Properties ------------------------------------------------------------

bool PropertyIterator::next(Property& out) {
  uint32_t token;
  uint32_t next;
  while (offset_ != Node::kNone && fdt_->step(offset_, token, next)) {
    uint32_t here = offset_;
    offset_ = next;
    if (token == kTokenNop) continue;
    if (token == kTokenProp && fdt_->read_property(here, out)) return true;
    break;
  }
  offset_ = Node::kNone;
  return false;
}

PropertyIterator Fdt::properties(Node node) const { return PropertyIterator(this, body_offset(node)); }

Property Fdt::property(Node node, const char* name) const {
  PropertyIterator it = properties(node);
  for (Property p; it.next(p);) {
    if (equal(p.name, name)) return p;
  }
  return {};
}

bool Fdt::is_compatible(Node node, const char* compatible) const {
  return property(node, "compatible").has_string(compatible);
}

bool Fdt::is_available(Node node) const {
  Property status = property(node, "status");
  if (!status) return true;
  const char* value = status.as_string();
  return value != nullptr && (equal(value, "okay") || equal(value, "ok"));
}

uint32_t Fdt::phandle(Node node) const {
  uint32_t value = 0;
  if (property(node, "phandle").as_u32(value)) return value;
  if (property(node, "linux,phandle").as_u32(value)) return value;  // pre-2010 trees
  return 0;
}

uint32_t Fdt::address_cells(Node node) const {
  uint32_t cells = 2;
  property(node, "#address-cells").as_u32(cells);
  return cells;
}

uint32_t Fdt::size_cells(Node node) const {
  uint32_t cells = 1;
  property(node, "#size-cells").as_u32(cells);
  return cells;
}

// ---- reg and ranges --------------------------------------------------------

Result<uint32_t> Fdt::reg_count(Node node) const {
  Node bus = parent(node);
  if (!bus) return Error::NotFound;  // the root has no reg
  uint32_t address_cells_value = address_cells(bus);
  uint32_t size_cells_value = size_cells(bus);
  if (address_cells_value == 0 || address_cells_value > 2 || size_cells_value > 2) return Error::NotSupported;
  Property reg = property(node, "reg");
  if (!reg) return Error::NotFound;
  uint32_t entry_bytes = 4 * (address_cells_value + size_cells_value);
  if (reg.size % entry_bytes != 0) return Error::Malformed;
  return reg.size / entry_bytes;
}

Result<RegEntry> Fdt::reg(Node node, uint32_t index) const {
  uint32_t count = TRY(reg_count(node));
  if (index >= count) return Error::NotFound;
  Node bus = parent(node);
  uint32_t address_cells_value = address_cells(bus);
  uint32_t size_cells_value = size_cells(bus);
  CellReader cells(property(node, "reg"));
  RegEntry entry;
  if (!cells.skip(uint64_t{index} * (address_cells_value + size_cells_value)) ||
      !cells.read(address_cells_value, entry.address) || !cells.read(size_cells_value, entry.size)) {
    return Error::Malformed;
  }
  return entry;
}

// Moves `entry` from the address space of `bus`'s children into that of
// `bus_parent`, using bus's ranges: (child address, parent address, size)
// triples sized by bus's #address-cells, bus_parent's #address-cells and
// bus's #size-cells.
Result<void> Fdt::translate_through(Node bus, Node bus_parent, RegEntry& entry) const {
  Property ranges = property(bus, "ranges");
  // An empty ranges means 1:1. The specification says a missing one means
  // "not memory-mapped", but every MMIO device this kernel looks for sits on
  // a memory-mapped bus, so trees that forgot it are read as 1:1 too.
  if (!ranges || ranges.size == 0) return {};
  uint32_t child_cells = address_cells(bus);
  uint32_t parent_cells = address_cells(bus_parent);
  uint32_t length_cells = size_cells(bus);
  if (child_cells == 0 || child_cells > 2 || parent_cells == 0 || parent_cells > 2 || length_cells > 2) {
    return Error::NotSupported;
  }
  uint32_t entry_bytes = 4 * (child_cells + parent_cells + length_cells);
  if (ranges.size % entry_bytes != 0) return Error::Malformed;
  CellReader cells(ranges);
  for (uint32_t i = 0; i < ranges.size / entry_bytes; ++i) {
    uint64_t child_base = 0;
    uint64_t parent_base = 0;
    uint64_t window = 0;
    if (!cells.read(child_cells, child_base) || !cells.read(parent_cells, parent_base) ||
        !cells.read(length_cells, window)) {
      return Error::Malformed;
    }
    if (entry.address < child_base) continue;
    uint64_t offset = entry.address - child_base;
    if (offset >= window || entry.size > window - offset) continue;
    uint64_t translated = parent_base + offset;
    if (translated < parent_base) continue;  // wraps past 2^64
    entry.address = translated;
    return {};
  }
  return Error::NotFound;
}

Result<RegEntry> Fdt::cpu_reg(Node node, uint32_t index) const {
  RegEntry entry = TRY(reg(node, index));
  Node chain[kFdtMaxDepth];
  uint32_t depth = ancestry(node, chain);
  if (depth < 2) return Error::NotFound;
  // chain[depth - 2] is the bus the reg is written in; walk up to the root.
  for (uint32_t bus = depth - 2; bus > 0; --bus) {
    TRY(translate_through(chain[bus], chain[bus - 1], entry));
  }
  return entry;
}

}  // namespace rivet::dt
