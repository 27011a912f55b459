// Hostile and broken trees: every one must be refused with Error::Malformed
// and a reason, and none may make the parser read outside the blob or loop.
// Blobs are copied into exactly-sized heap buffers, so AddressSanitizer turns
// any overread into a test failure.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "kernel/dt/machine.h"
#include "tests/unit/dt_test_support.h"

namespace rivet::dt {
namespace {

using test::begin_machine;
using test::Blob;
using test::FdtBuilder;
using test::get_be32;
using test::put_be32;

struct Outcome {
  Machine machine;
  Result<void> result;
  std::string error() const { return machine.error; }
};

std::unique_ptr<Outcome> run(const Blob& blob) {
  auto o = std::make_unique<Outcome>();
  o->result = test::discover_copy(blob, o->machine);
  return o;
}

// Expects Malformed with a message containing `fragment`.
void expect_malformed(const Blob& blob, const std::string& fragment) {
  auto o = run(blob);
  EXPECT_EQ(o->result.error(), Error::Malformed) << o->error();
  EXPECT_NE(o->error().find(fragment), std::string::npos) << "message: " << o->error();
}

Blob virt() { return test::load_blob("qemu-virt-smp1.dtb"); }

// A minimal valid tree, for header tests that need to know the exact layout.
Blob minimal() {
  FdtBuilder b;
  begin_machine(b, {0}).end_node();
  return b.build();
}

// Proves the untouched blobs parse, so every failure below is caused by the corruption.
TEST(DtMalformed, BaselineBlobsParse) {
  for (const std::string& name : test::all_blob_names()) {
    auto o = run(test::load_blob(name));
    EXPECT_TRUE(o->result.ok()) << name << ": " << o->error();
  }
  EXPECT_TRUE(run(minimal())->result.ok());
}

// Proves a wrong magic number is refused and reported with the value found.
TEST(DtMalformed, BadMagic) {
  Blob blob = virt();
  blob[0] = 0xfe;
  expect_malformed(blob, "bad magic 0xfe0dfeed");
}

// Proves a header claiming more bytes than the buffer holds is refused.
TEST(DtMalformed, TotalSizeLargerThanBuffer) {
  Blob blob = virt();
  put_be32(blob, test::kTotalSizeField, static_cast<uint32_t>(blob.size() + 1));
  expect_malformed(blob, "totalsize");
  put_be32(blob, test::kTotalSizeField, 0xffffffffu);
  expect_malformed(blob, "exceeds");
}

// Proves a totalsize smaller than the header itself is refused.
TEST(DtMalformed, TotalSizeSmallerThanHeader) {
  Blob blob = virt();
  put_be32(blob, test::kTotalSizeField, 12);
  expect_malformed(blob, "smaller than the header");
}

// Proves versions before 16, and trees only readable by versions after 17, are refused.
TEST(DtMalformed, UnsupportedVersions) {
  Blob blob = virt();
  put_be32(blob, test::kVersionField, 15);
  expect_malformed(blob, "version 15");
  blob = virt();
  put_be32(blob, test::kLastCompVersionField, 18);
  expect_malformed(blob, "last_comp_version 18");
}

// Proves a version-16 header (no size_dt_struct) is still read, bounding the struct block by totalsize.
TEST(DtMalformed, Version16HeaderIsAccepted) {
  Blob blob = virt();
  put_be32(blob, test::kVersionField, 16);
  put_be32(blob, test::kSizeStructField, 0xdeadbeef);  // meaningless before v17
  auto o = run(blob);
  EXPECT_TRUE(o->result.ok()) << o->error();
  EXPECT_EQ(o->machine.hart_count, 1u);
}

// Proves a buffer shorter than the header is refused before anything is read.
TEST(DtMalformed, BufferSmallerThanHeader) {
  Machine m;
  EXPECT_EQ(discover(nullptr, 0, m).error(), Error::Malformed);
  EXPECT_STRNE(m.error, "");
}

// Proves every truncation of every real blob is refused with a reason, and only the full length succeeds.
TEST(DtMalformed, EveryTruncationFails) {
  auto machine = std::make_unique<Machine>();
  for (const std::string& name : test::all_blob_names()) {
    Blob blob = test::load_blob(name);
    for (size_t n = 0; n <= blob.size(); ++n) {
      test::ExactBuffer buffer(blob.data(), n);
      Result<void> result = discover(buffer.bytes.get(), n, *machine);
      if (n == blob.size()) {
        EXPECT_TRUE(result.ok()) << name << ": " << machine->error;
      } else if (result.ok() || machine->error[0] == '\0') {
        ADD_FAILURE() << name << " truncated to " << n << " bytes was accepted or gave no reason";
        break;
      }
    }
  }
}

// Rebuilds `blob` as header, reservations, then the struct and strings blocks
// in the given order, keeping only the first `kept` bytes of the block that
// goes last. The cut block ends exactly at the end of the heap buffer, so a
// read past the cut is an overread AddressSanitizer reports.
Blob relocate_with_cut(const Blob& blob, bool strings_last, size_t kept) {
  size_t reservations = get_be32(blob, test::kOffReservationsField);
  size_t reservations_end = reservations;
  while (get_be32(blob, reservations_end) | get_be32(blob, reservations_end + 4) |
         get_be32(blob, reservations_end + 8) | get_be32(blob, reservations_end + 12)) {
    reservations_end += 16;
  }
  reservations_end += 16;
  size_t struct_offset = get_be32(blob, test::kOffStructField);
  size_t struct_size = get_be32(blob, test::kSizeStructField);
  size_t strings_offset = get_be32(blob, test::kOffStringsField);
  size_t strings_size = get_be32(blob, test::kSizeStringsField);

  Blob out(blob.begin(), blob.begin() + 40);
  out.insert(out.end(), blob.begin() + static_cast<std::ptrdiff_t>(reservations),
             blob.begin() + static_cast<std::ptrdiff_t>(reservations_end));
  put_be32(out, test::kOffReservationsField, 40);
  auto append = [&](size_t offset, size_t size, size_t offset_field, size_t size_field) {
    put_be32(out, offset_field, static_cast<uint32_t>(out.size()));
    put_be32(out, size_field, static_cast<uint32_t>(size));
    out.insert(out.end(), blob.begin() + static_cast<std::ptrdiff_t>(offset),
               blob.begin() + static_cast<std::ptrdiff_t>(offset + size));
  };
  if (strings_last) {
    append(struct_offset, struct_size, test::kOffStructField, test::kSizeStructField);
    append(strings_offset, kept, test::kOffStringsField, test::kSizeStringsField);
  } else {
    append(strings_offset, strings_size, test::kOffStringsField, test::kSizeStringsField);
    while (out.size() % 4 != 0) out.push_back(0);  // the struct block must stay aligned
    append(struct_offset, kept, test::kOffStructField, test::kSizeStructField);
  }
  put_be32(out, test::kTotalSizeField, static_cast<uint32_t>(out.size()));
  return out;
}

// Proves the token walker refuses every whole-token cut of every real struct block, without reading past the cut.
TEST(DtMalformed, EveryStructBlockCutFails) {
  auto machine = std::make_unique<Machine>();
  for (const std::string& name : test::all_blob_names()) {
    Blob blob = test::load_blob(name);
    size_t struct_size = get_be32(blob, test::kSizeStructField);
    for (size_t kept = 0; kept <= struct_size; kept += 4) {
      Blob cut = relocate_with_cut(blob, /*strings_last=*/false, kept);
      test::ExactBuffer buffer(cut);
      Result<void> result = discover(buffer.bytes.get(), buffer.size, *machine);
      if (kept == struct_size) {
        EXPECT_TRUE(result.ok()) << name << ": " << machine->error;
      } else if (result.error() != Error::Malformed || machine->error[0] == '\0') {
        ADD_FAILURE() << name << " with " << kept << " struct bytes: " << error_name(result.error()) << " "
                      << machine->error;
        break;
      }
    }
  }
}

// Proves every cut of every real strings block is refused (some name loses its NUL), without reading past the cut.
TEST(DtMalformed, EveryStringsBlockCutFails) {
  auto machine = std::make_unique<Machine>();
  for (const std::string& name : test::all_blob_names()) {
    Blob blob = test::load_blob(name);
    size_t strings_size = get_be32(blob, test::kSizeStringsField);
    for (size_t kept = 0; kept <= strings_size; ++kept) {
      Blob cut = relocate_with_cut(blob, /*strings_last=*/true, kept);
      test::ExactBuffer buffer(cut);
      Result<void> result = discover(buffer.bytes.get(), buffer.size, *machine);
      if (kept == strings_size) {
        EXPECT_TRUE(result.ok()) << name << ": " << machine->error;
      } else if (result.error() != Error::Malformed || machine->error[0] == '\0') {
        ADD_FAILURE() << name << " with " << kept << " string bytes: " << error_name(result.error()) << " "
                      << machine->error;
        break;
      }
    }
  }
}

// Proves struct and strings blocks that start or end outside totalsize are refused, including offsets that wrap 32 bits.
TEST(DtMalformed, BlocksOutsideTotalSize) {
  const Blob good = virt();
  const uint32_t total = static_cast<uint32_t>(good.size());
  struct Case {
    size_t field;
    uint32_t value;
  };
  const Case cases[] = {
      {test::kOffStructField, total},            {test::kOffStructField, 0xfffffff0u},
      {test::kOffStructField, 4},                {test::kSizeStructField, total},
      {test::kOffStringsField, total + 4},       {test::kOffStringsField, 0xfffffffcu},
      {test::kSizeStringsField, total},          {test::kSizeStringsField, 0xffffffffu},
      {test::kOffReservationsField, total + 8},  {test::kOffReservationsField, 8},
  };
  for (const Case& c : cases) {
    Blob blob = good;
    put_be32(blob, c.field, c.value);
    auto o = run(blob);
    EXPECT_EQ(o->result.error(), Error::Malformed) << "field " << c.field << " = " << c.value;
    EXPECT_NE(o->error(), "");
  }
  Blob blob = good;
  put_be32(blob, test::kOffStructField, 0xfffffff8u);
  put_be32(blob, test::kSizeStructField, 0x10);  // 0xfffffff8 + 0x10 wraps to 8
  expect_malformed(blob, "struct block at 0xfffffff8");
}

// Proves a structure block that is not 4-byte aligned (offset or size) is refused.
TEST(DtMalformed, MisalignedStructBlock) {
  Blob blob = virt();
  put_be32(blob, test::kOffStructField, get_be32(blob, test::kOffStructField) + 2);
  put_be32(blob, test::kSizeStructField, get_be32(blob, test::kSizeStructField) - 4);
  expect_malformed(blob, "not 4-byte aligned");
  blob = virt();
  put_be32(blob, test::kSizeStructField, get_be32(blob, test::kSizeStructField) - 2);
  expect_malformed(blob, "not 4-byte aligned");
}

// Proves a reservation block whose terminator would lie past totalsize is refused.
TEST(DtMalformed, ReservationBlockWithoutTerminator) {
  Blob blob = minimal();
  // Point the reservation block at the last 8 bytes: no room for a 16-byte entry.
  uint32_t total = static_cast<uint32_t>(blob.size());
  blob.resize((total + 7) / 8 * 8 + 8, 0);
  put_be32(blob, test::kTotalSizeField, static_cast<uint32_t>(blob.size()));
  put_be32(blob, test::kOffReservationsField, static_cast<uint32_t>(blob.size() - 8));
  expect_malformed(blob, "no terminating entry");
}

// Proves a property length that overflows the struct block is refused, naming the property's offset.
TEST(DtMalformed, PropertyLengthOverflows) {
  for (uint32_t length : {0xfffffffcu, 0xffffffffu, 0x80000000u, 0x2000u}) {
    Blob blob = virt();
    size_t struct_offset = get_be32(blob, test::kOffStructField);
    // The root node (empty name) is 8 bytes; its first property follows.
    size_t prop = struct_offset + 8;
    ASSERT_EQ(get_be32(blob, prop), 3u);
    put_be32(blob, prop + 4, length);
    expect_malformed(blob, "property at struct offset 0x8 (length ");
    expect_malformed(blob, "runs past the end of the struct block");
  }
}

// Proves a property whose name offset lies outside (or at the unterminated end of) the strings block is refused.
TEST(DtMalformed, PropertyNameOutsideStrings) {
  Blob blob = virt();
  size_t prop = get_be32(blob, test::kOffStructField) + 8;
  uint32_t strings_size = get_be32(blob, test::kSizeStringsField);
  put_be32(blob, prop + 8, strings_size);
  expect_malformed(blob, "name offset");
  put_be32(blob, prop + 8, 0xffffffffu);
  expect_malformed(blob, "name offset");
  // Drop the strings block's final NUL: the last name becomes unterminated.
  blob = virt();
  put_be32(blob, test::kSizeStringsField, strings_size - 1);
  expect_malformed(blob, "unterminated name at strings offset");
}

// Proves a node name running to the end of the struct block without a NUL is refused.
TEST(DtMalformed, UnterminatedNodeName) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2);
  b.token(1).raw({'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'});
  expect_malformed(b.build(false), "node name at struct offset 0x18 is not NUL-terminated");
}

// Proves an END_NODE with no open node is refused.
TEST(DtMalformed, ExtraEndNode) {
  FdtBuilder b;
  begin_machine(b, {0}).end_node().end_node();
  expect_malformed(b.build(), "closes no open node");
}

// Proves FDT_END while nodes are still open is refused.
TEST(DtMalformed, MissingEndNode) {
  FdtBuilder b;
  begin_machine(b, {0}).begin_node("unclosed");
  expect_malformed(b.build(), "2 node(s) still open");
}

// Proves a structure block without FDT_END is refused, whether the token is gone or overwritten.
TEST(DtMalformed, MissingFdtEnd) {
  FdtBuilder b;
  begin_machine(b, {0}).end_node();
  expect_malformed(b.build(false), "without FDT_END");
  Blob blob = virt();
  size_t struct_end = get_be32(blob, test::kOffStructField) + get_be32(blob, test::kSizeStructField);
  ASSERT_EQ(get_be32(blob, struct_end - 4), 9u);
  put_be32(blob, struct_end - 4, 4);  // FDT_NOP
  expect_malformed(blob, "without FDT_END");
  blob = virt();
  put_be32(blob, test::kSizeStructField, get_be32(blob, test::kSizeStructField) - 4);
  expect_malformed(blob, "without FDT_END");
}

// Proves an unknown token is refused with its value and offset.
TEST(DtMalformed, UnknownToken) {
  FdtBuilder b;
  b.begin_node("").token(7).end_node();
  expect_malformed(b.build(), "unknown token 0x7 at struct offset 0x8");
}

// Proves structural rules: no property outside the root, none after a subnode, a single root, and a root at all.
TEST(DtMalformed, StructuralRules) {
  {
    FdtBuilder b;
    b.u32("stray", 1).begin_node("").end_node();
    expect_malformed(b.build(), "outside any node");
  }
  {
    FdtBuilder b;
    b.begin_node("").begin_node("child").end_node().u32("late", 1).end_node();
    expect_malformed(b.build(), "follows a subnode");
  }
  {
    FdtBuilder b;
    b.begin_node("").end_node().begin_node("").end_node();
    expect_malformed(b.build(), "second root");
  }
  {
    FdtBuilder b;
    b.nop();
    expect_malformed(b.build(), "before any root");
  }
}

// Proves a tree nested far deeper than the limit is refused without recursion, and one at the limit is accepted.
TEST(DtMalformed, DeepNesting) {
  {
    FdtBuilder b;
    for (int i = 0; i < 10000; ++i) b.begin_node(i == 0 ? "" : "n");
    for (int i = 0; i < 10000; ++i) b.end_node();
    expect_malformed(b.build(), "nests deeper than 64");
  }
  {
    FdtBuilder b;
    for (uint32_t i = 0; i < kFdtMaxDepth; ++i) b.begin_node(i == 0 ? "" : "n");
    for (uint32_t i = 0; i < kFdtMaxDepth; ++i) b.end_node();
    Blob blob = b.build();
    char message[128];
    MessageBuilder why(message, sizeof(message));
    Result<Fdt> fdt = Fdt::open(blob.data(), blob.size(), why);
    ASSERT_TRUE(fdt.ok()) << message;
    // The deepest node still has a path and a parent.
    Node deepest = fdt->root();
    while (Node child = fdt->first_child(deepest)) deepest = child;
    char path[256];
    EXPECT_TRUE(fdt->path(deepest, path, sizeof(path)));
    EXPECT_EQ(std::string(path).size(), 2u * (kFdtMaxDepth - 1));
    EXPECT_TRUE(fdt->parent(deepest));
  }
}

// Proves random byte flips anywhere in any blob never crash, overread or hang discover() (any result is fine).
TEST(DtMalformed, RandomByteFlips) {
  std::mt19937 random(0x5eed);
  auto machine = std::make_unique<Machine>();
  std::vector<Blob> blobs;
  for (const std::string& name : test::all_blob_names()) blobs.push_back(test::load_blob(name));
  int failures = 0;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    Blob blob = blobs[iteration % blobs.size()];
    int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) {
      blob[random() % blob.size()] ^= static_cast<uint8_t>(1 + random() % 255);
    }
    test::ExactBuffer buffer(blob);
    Result<void> result = discover(buffer.bytes.get(), buffer.size, *machine);
    if (!result.ok()) {
      ++failures;
      EXPECT_STRNE(machine->error, "") << "iteration " << iteration;
    }
  }
  EXPECT_GT(failures, 0);  // some flips must have hit something that matters
}

// Proves overwriting aligned words (tokens, lengths, offsets, cells) with edge values never crashes, overreads or hangs.
TEST(DtMalformed, RandomWordMutations) {
  const uint32_t interesting[] = {0, 1, 2, 3, 4, 9, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc,
                                  0xffffffff, 0x10, 0x40, 0x1000};
  std::mt19937 random(0xfd7);
  auto machine = std::make_unique<Machine>();
  std::vector<Blob> blobs;
  for (const std::string& name : test::all_blob_names()) blobs.push_back(test::load_blob(name));
  for (int iteration = 0; iteration < 4000; ++iteration) {
    Blob blob = blobs[iteration % blobs.size()];
    int mutations = 1 + static_cast<int>(random() % 3);
    for (int i = 0; i < mutations; ++i) {
      size_t word = random() % (blob.size() / 4);
      uint32_t value = interesting[random() % std::size(interesting)];
      if (random() % 4 == 0) value = get_be32(blob, word * 4) + static_cast<uint32_t>(random() % 9) - 4;
      put_be32(blob, word * 4, value);
    }
    test::ExactBuffer buffer(blob);
    Result<void> result = discover(buffer.bytes.get(), buffer.size, *machine);
    if (!result.ok()) {
      EXPECT_STRNE(machine->error, "") << "iteration " << iteration;
    }
  }
}

}  // namespace
}  // namespace rivet::dt
