// Shared helpers for the device-tree unit tests: loading the real blobs in
// tests/data, copying them into exactly-sized heap buffers (so AddressSanitizer
// flags any read one byte past the end), and a tiny FDT writer for building
// trees that no firmware ships.
#pragma once

#include <stdint.h>

#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/dt/fdt.h"
#include "kernel/dt/machine.h"

namespace rivet::dt::test {

using Blob = std::vector<uint8_t>;

inline Blob load_blob(const std::string& relative) {
  std::ifstream in(std::string(RIVET_TEST_DATA) + "/" + relative, std::ios::binary);
  return Blob(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline const std::vector<std::string>& all_blob_names() {
  static const std::vector<std::string> names = {
      "qemu-virt-smp1.dtb",
      "qemu-virt-smp4-2g.dtb",
      "qemu-sifive_u-smp5.dtb",
      "boards/starfive-visionfive-2-v1.3b.dtb",
      // A hand-made stand-in for the vendor firmware's tree (see its .dts).
      "boards/starfive-visionfive-2-v1.3b-vendor.dtb",
      "boards/hifive-unmatched-a00.dtb",
      "boards/hifive-unleashed-a00.dtb",
  };
  return names;
}

inline uint32_t get_be32(const Blob& blob, size_t at) {
  return (uint32_t{blob[at]} << 24) | (uint32_t{blob[at + 1]} << 16) | (uint32_t{blob[at + 2]} << 8) |
         uint32_t{blob[at + 3]};
}

inline void put_be32(Blob& blob, size_t at, uint32_t value) {
  blob[at] = static_cast<uint8_t>(value >> 24);
  blob[at + 1] = static_cast<uint8_t>(value >> 16);
  blob[at + 2] = static_cast<uint8_t>(value >> 8);
  blob[at + 3] = static_cast<uint8_t>(value);
}

// Header field offsets, for tests that corrupt headers.
inline constexpr size_t kTotalSizeField = 4;
inline constexpr size_t kOffStructField = 8;
inline constexpr size_t kOffStringsField = 12;
inline constexpr size_t kOffReservationsField = 16;
inline constexpr size_t kVersionField = 20;
inline constexpr size_t kLastCompVersionField = 24;
inline constexpr size_t kSizeStringsField = 32;
inline constexpr size_t kSizeStructField = 36;

// A copy of the first `length` bytes in a heap buffer of exactly that size.
struct ExactBuffer {
  explicit ExactBuffer(const uint8_t* data, size_t length)
      : bytes(new uint8_t[length]), size(length) {
    std::copy(data, data + length, bytes.get());
  }
  explicit ExactBuffer(const Blob& blob) : ExactBuffer(blob.data(), blob.size()) {}
  std::unique_ptr<uint8_t[]> bytes;
  size_t size;
};

// Runs discover() on an exact-size copy of `blob`.
inline Result<void> discover_copy(const Blob& blob, Machine& out, int64_t boot_hartid = -1) {
  ExactBuffer buffer(blob);
  return discover(buffer.bytes.get(), buffer.size, out, boot_hartid);
}

// Writes a flattened device tree: header, memory-reservation block, structure
// block, strings block, in that order. Property names are interned in the
// strings block. Nothing is validated: tests use it to build broken trees too.
class FdtBuilder {
 public:
  FdtBuilder& begin_node(std::string_view name) {
    token(1);
    structure_.insert(structure_.end(), name.begin(), name.end());
    structure_.push_back(0);
    pad();
    return *this;
  }
  FdtBuilder& end_node() { return token(2); }
  FdtBuilder& nop() { return token(4); }
  FdtBuilder& end() { return token(9); }
  FdtBuilder& token(uint32_t value) {
    be32(value);
    return *this;
  }
  FdtBuilder& raw(std::initializer_list<uint8_t> bytes) {
    structure_.insert(structure_.end(), bytes.begin(), bytes.end());
    return *this;
  }

  FdtBuilder& property(std::string_view name, const Blob& value) {
    token(3);
    be32(static_cast<uint32_t>(value.size()));
    be32(intern(name));
    structure_.insert(structure_.end(), value.begin(), value.end());
    pad();
    return *this;
  }
  FdtBuilder& empty(std::string_view name) { return property(name, {}); }
  FdtBuilder& cells(std::string_view name, std::initializer_list<uint32_t> values) {
    Blob value;
    for (uint32_t v : values) {
      value.push_back(static_cast<uint8_t>(v >> 24));
      value.push_back(static_cast<uint8_t>(v >> 16));
      value.push_back(static_cast<uint8_t>(v >> 8));
      value.push_back(static_cast<uint8_t>(v));
    }
    return property(name, value);
  }
  FdtBuilder& u32(std::string_view name, uint32_t value) { return cells(name, {value}); }
  FdtBuilder& u64(std::string_view name, uint64_t value) {
    return cells(name, {static_cast<uint32_t>(value >> 32), static_cast<uint32_t>(value)});
  }
  FdtBuilder& string(std::string_view name, std::string_view value) {
    return strings(name, {value});
  }
  FdtBuilder& strings(std::string_view name, std::initializer_list<std::string_view> values) {
    Blob value;
    for (std::string_view v : values) {
      value.insert(value.end(), v.begin(), v.end());
      value.push_back(0);
    }
    return property(name, value);
  }

  FdtBuilder& reserve(uint64_t base, uint64_t size) {
    reservations_.push_back({base, size});
    return *this;
  }

  // The finished blob; `add_end` = false leaves out the final FDT_END.
  Blob build(bool add_end = true) const {
    Blob structure = structure_;
    if (add_end) {
      for (int shift = 24; shift >= 0; shift -= 8) structure.push_back(static_cast<uint8_t>(9u >> shift));
    }
    const uint32_t header = 40;
    const uint32_t reservation_offset = header;
    const uint32_t reservation_size = static_cast<uint32_t>(16 * (reservations_.size() + 1));
    const uint32_t struct_offset = reservation_offset + reservation_size;
    const uint32_t strings_offset = struct_offset + static_cast<uint32_t>(structure.size());
    const uint32_t total = strings_offset + static_cast<uint32_t>(strings_.size());

    Blob blob(total, 0);
    put_be32(blob, 0, kFdtMagic);
    put_be32(blob, kTotalSizeField, total);
    put_be32(blob, kOffStructField, struct_offset);
    put_be32(blob, kOffStringsField, strings_offset);
    put_be32(blob, kOffReservationsField, reservation_offset);
    put_be32(blob, kVersionField, 17);
    put_be32(blob, kLastCompVersionField, 16);
    put_be32(blob, kSizeStringsField, static_cast<uint32_t>(strings_.size()));
    put_be32(blob, kSizeStructField, static_cast<uint32_t>(structure.size()));
    size_t at = reservation_offset;
    for (const auto& [base, size] : reservations_) {
      put_be32(blob, at, static_cast<uint32_t>(base >> 32));
      put_be32(blob, at + 4, static_cast<uint32_t>(base));
      put_be32(blob, at + 8, static_cast<uint32_t>(size >> 32));
      put_be32(blob, at + 12, static_cast<uint32_t>(size));
      at += 16;
    }
    std::copy(structure.begin(), structure.end(), blob.begin() + struct_offset);
    std::copy(strings_.begin(), strings_.end(), blob.begin() + strings_offset);
    return blob;
  }

 private:
  void be32(uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) structure_.push_back(static_cast<uint8_t>(value >> shift));
  }
  void pad() {
    while (structure_.size() % 4 != 0) structure_.push_back(0);
  }
  uint32_t intern(std::string_view name) {
    auto found = offsets_.find(std::string(name));
    if (found != offsets_.end()) return found->second;
    uint32_t offset = static_cast<uint32_t>(strings_.size());
    strings_.append(name);
    strings_.push_back('\0');
    offsets_.emplace(std::string(name), offset);
    return offset;
  }

  Blob structure_;
  std::string strings_;
  std::map<std::string, uint32_t> offsets_;
  std::vector<std::pair<uint64_t, uint64_t>> reservations_;
};

// Opens the root of a small, complete machine and leaves it open for the test
// to add nodes: #address-cells = #size-cells = 2, 256 MiB of memory at
// 0x80000000, one cpu per entry of `hart_ids` (sv39, okay, interrupt
// controller phandle 0x100 + hart id) and a 10 MHz timebase in /cpus.
inline FdtBuilder& begin_machine(FdtBuilder& b, std::initializer_list<uint32_t> hart_ids) {
  b.begin_node("")
      .u32("#address-cells", 2)
      .u32("#size-cells", 2)
      .string("model", "Rivet test machine")
      .strings("compatible", {"rivet,test", "rivet,generic"});
  b.begin_node("memory@80000000")
      .string("device_type", "memory")
      .cells("reg", {0, 0x80000000, 0, 0x10000000})
      .end_node();
  b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", 10000000);
  for (uint32_t id : hart_ids) {
    b.begin_node("cpu@" + std::to_string(id))
        .string("device_type", "cpu")
        .u32("reg", id)
        .string("status", "okay")
        .string("riscv,isa", "rv64imac_zicsr")
        .string("mmu-type", "riscv,sv39");
    b.begin_node("interrupt-controller")
        .string("compatible", "riscv,cpu-intc")
        .u32("#interrupt-cells", 1)
        .empty("interrupt-controller")
        .u32("phandle", 0x100 + id)
        .end_node();
    b.end_node();
  }
  b.end_node();  // cpus
  return b;
}

}  // namespace rivet::dt::test
