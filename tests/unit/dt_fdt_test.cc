// The low-level tree reader (kernel/dt/fdt.h): navigation, lookups, property
// values, cells and reg/ranges decoding.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "kernel/dt/fdt.h"
#include "tests/unit/dt_test_support.h"

namespace rivet::dt {
namespace {

using test::Blob;
using test::FdtBuilder;

// Holds a blob and the Fdt opened on it (the Fdt points into the blob).
struct Opened {
  explicit Opened(Blob b) : blob(std::move(b)), fdt(open()) {}
  Fdt open() {
    MessageBuilder why(message, sizeof(message));
    Result<Fdt> result = Fdt::open(blob.data(), blob.size(), why);
    EXPECT_TRUE(result.ok()) << message;
    if (!result.ok()) std::abort();
    return result.value();
  }
  std::string path(Node node) {
    char buffer[256];
    EXPECT_TRUE(fdt.path(node, buffer, sizeof(buffer)));
    return buffer;
  }
  Blob blob;
  char message[128] = {};
  Fdt fdt;
};

// Proves absolute paths resolve, with and without unit addresses, and bad paths do not.
TEST(FdtReader, FindPath) {
  Opened t(test::load_blob("qemu-virt-smp4-2g.dtb"));
  const Fdt& fdt = t.fdt;
  EXPECT_EQ(fdt.find_path("/"), fdt.root());
  Node serial = fdt.find_path("/soc/serial@10000000");
  ASSERT_TRUE(serial);
  EXPECT_STREQ(fdt.name(serial), "serial@10000000");
  EXPECT_EQ(fdt.find_path("/soc/serial"), serial);         // unit address may be left out
  EXPECT_EQ(fdt.find_path("//soc//serial@10000000"), serial);
  EXPECT_EQ(fdt.find_path("/cpus/cpu@3/interrupt-controller"),
            fdt.first_child(fdt.find_path("/cpus/cpu@3")));
  EXPECT_FALSE(fdt.find_path("/soc/serial@10000001"));
  EXPECT_FALSE(fdt.find_path("/nonexistent"));
  EXPECT_FALSE(fdt.find_path("/soc/seria"));
  EXPECT_FALSE(fdt.find_path(""));
  EXPECT_FALSE(fdt.find_path("serial0"));  // virt has no /aliases
  // Only the given length counts, so stdout-path options can be cut off.
  EXPECT_EQ(fdt.find_path("/soc/serial@10000000:115200", 20), serial);
}

// Proves alias-relative paths resolve through /aliases, including a trailing component.
TEST(FdtReader, AliasPaths) {
  Opened t(test::load_blob("boards/hifive-unmatched-a00.dtb"));
  const Fdt& fdt = t.fdt;
  Node serial = fdt.find_path("serial0");
  ASSERT_TRUE(serial);
  EXPECT_EQ(t.path(serial), "/soc/serial@10010000");
  EXPECT_EQ(fdt.find_path("serial1"), fdt.find_path("/soc/serial@10011000"));
  EXPECT_EQ(t.path(fdt.find_path("spi0/mmc@0")), "/soc/spi@10050000/mmc@0");
  EXPECT_FALSE(fdt.find_path("serial9"));
  EXPECT_FALSE(fdt.find_path("serial"));
}

// Proves every node's path resolves back to that node, and parent() agrees with first_child/next_sibling, in all six trees.
TEST(FdtReader, PathsAndParentsRoundTrip) {
  for (const std::string& name : test::all_blob_names()) {
    Opened t(test::load_blob(name));
    const Fdt& fdt = t.fdt;
    size_t nodes = 0;
    for (Node node = fdt.root(); node; node = fdt.next_in_tree_order(node)) {
      ++nodes;
      EXPECT_EQ(fdt.find_path(t.path(node).c_str()), node) << name << " " << t.path(node);
      for (Node child = fdt.first_child(node); child; child = fdt.next_sibling(child)) {
        EXPECT_EQ(fdt.parent(child), node);
      }
    }
    EXPECT_GT(nodes, 20u) << name;
    EXPECT_FALSE(fdt.parent(fdt.root()));
  }
}

// Proves find_phandle finds the node carrying a phandle and rejects the reserved values 0 and ~0.
TEST(FdtReader, FindPhandle) {
  Opened t(test::load_blob("qemu-virt-smp4-2g.dtb"));
  const Fdt& fdt = t.fdt;
  Node plic = fdt.find_phandle(9);
  EXPECT_EQ(t.path(plic), "/soc/plic@c000000");
  EXPECT_EQ(fdt.phandle(plic), 9u);
  EXPECT_FALSE(fdt.find_phandle(0));
  EXPECT_FALSE(fdt.find_phandle(0xffffffffu));
  EXPECT_FALSE(fdt.find_phandle(0x7777));
}

// Proves find_compatible walks matching nodes in tree order and is_compatible checks every list element.
TEST(FdtReader, FindCompatible) {
  Opened t(test::load_blob("qemu-virt-smp4-2g.dtb"));
  const Fdt& fdt = t.fdt;
  int count = 0;
  for (Node n = fdt.find_compatible("virtio,mmio"); n; n = fdt.find_compatible("virtio,mmio", n)) ++count;
  EXPECT_EQ(count, 8);
  Node plic = fdt.find_compatible("riscv,plic0");  // the second string of its list
  EXPECT_TRUE(fdt.is_compatible(plic, "sifive,plic-1.0.0"));
  EXPECT_FALSE(fdt.is_compatible(plic, "sifive,plic"));
  EXPECT_FALSE(fdt.find_compatible("no,such-device"));
}

// Proves property values decode: strings, string lists, one- and two-cell numbers, and absent properties.
TEST(FdtReader, PropertyValues) {
  Opened t(test::load_blob("qemu-virt-smp4-2g.dtb"));
  const Fdt& fdt = t.fdt;
  Node root = fdt.root();
  EXPECT_STREQ(fdt.property(root, "model").as_string(), "riscv-virtio,qemu");
  Property compatible = fdt.property(fdt.find_path("/soc/test@100000"), "compatible");
  StringList list(compatible);
  std::vector<std::string> elements;
  for (const char* s; list.next(s);) elements.push_back(s);
  EXPECT_EQ(elements, (std::vector<std::string>{"sifive,test1", "sifive,test0", "syscon"}));
  EXPECT_TRUE(compatible.has_string("syscon"));
  EXPECT_TRUE(compatible.has_string_ignoring_case("SYSCON"));
  EXPECT_FALSE(compatible.has_string("sys"));

  uint32_t u32 = 0;
  EXPECT_TRUE(fdt.property(fdt.find_path("/cpus"), "timebase-frequency").as_u32(u32));
  EXPECT_EQ(u32, 10000000u);
  uint64_t u64 = 0;
  EXPECT_TRUE(fdt.property(fdt.find_path("/cpus"), "timebase-frequency").as_u64(u64));
  EXPECT_EQ(u64, 10000000u);
  Property reg = fdt.property(fdt.find_path("/memory@80000000"), "reg");
  EXPECT_FALSE(reg.as_u32(u32));  // 16 bytes
  Property absent = fdt.property(root, "no-such-property");
  EXPECT_FALSE(absent);
  EXPECT_FALSE(absent.as_u32(u32));
  EXPECT_EQ(absent.as_string(), nullptr);
  EXPECT_FALSE(absent.has_string("x"));
  // Empty (boolean) properties exist but carry no value.
  Property coherent = fdt.property(fdt.find_path("/soc/pci@30000000"), "dma-coherent");
  EXPECT_TRUE(coherent);
  EXPECT_EQ(coherent.size, 0u);
  EXPECT_EQ(coherent.as_string(), nullptr);
}

// Proves the property iterator yields each property once, in order, and skips subnodes.
TEST(FdtReader, PropertyIteration) {
  Opened t(test::load_blob("qemu-virt-smp1.dtb"));
  const Fdt& fdt = t.fdt;
  std::vector<std::string> names;
  PropertyIterator it = fdt.properties(fdt.find_path("/soc/serial@10000000"));
  for (Property p; it.next(p);) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"interrupts", "interrupt-parent", "clock-frequency", "reg",
                                             "compatible"}));
}

// Proves CellReader reads 0-, 1- and 2-cell numbers and refuses to run past the value or exceed 64 bits.
TEST(FdtReader, CellReader) {
  const uint8_t bytes[] = {0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 7};
  Property p;
  p.name = "x";
  p.value = bytes;
  p.size = sizeof(bytes);
  CellReader cells(p);
  EXPECT_EQ(cells.remaining(), 3u);  // the stray 13th byte is not a cell
  uint64_t v = 99;
  EXPECT_TRUE(cells.read(0, v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(cells.read(2, v));
  EXPECT_EQ(v, 0x100000002u);
  EXPECT_FALSE(cells.read(2, v));
  EXPECT_FALSE(cells.read(3, v));
  EXPECT_TRUE(cells.read(1, v));
  EXPECT_EQ(v, 0xffffffffu);
  EXPECT_FALSE(cells.read(1, v));
  EXPECT_FALSE(cells.skip(1));
}

// Proves #address-cells/#size-cells come from the parent, default to 2 and 1, and reg entries decode with them.
TEST(FdtReader, CellsDefaultsAndRegDecoding) {
  FdtBuilder b;
  b.begin_node("");  // no #address-cells / #size-cells: defaults 2 and 1
  b.begin_node("dev@1").cells("reg", {0x1, 0x2000, 0x300, 0x4, 0x5000, 0x600}).end_node();
  b.begin_node("bus").u32("#address-cells", 1).u32("#size-cells", 0).cells("reg", {0, 0x10, 0x20});
  b.begin_node("leaf@7").cells("reg", {7}).end_node();
  b.end_node();
  b.begin_node("odd").cells("reg", {1, 2}).end_node();  // 2 cells; entries here are 3
  b.begin_node("wide").u32("#address-cells", 3).u32("#size-cells", 1);
  b.begin_node("pci-child").cells("reg", {1, 2, 3, 4}).end_node();
  b.end_node();
  b.end_node();
  Opened t(b.build());
  const Fdt& fdt = t.fdt;
  EXPECT_EQ(fdt.address_cells(fdt.root()), 2u);
  EXPECT_EQ(fdt.size_cells(fdt.root()), 1u);

  Node dev = fdt.find_path("/dev@1");
  EXPECT_EQ(fdt.reg_count(dev).value_or(0), 2u);
  RegEntry e = fdt.reg(dev, 1).value_or({});
  EXPECT_EQ(e.address, 0x400005000u);
  EXPECT_EQ(e.size, 0x600u);
  EXPECT_EQ(fdt.reg(dev, 2).error(), Error::NotFound);

  Node bus = fdt.find_path("/bus");
  EXPECT_EQ(fdt.reg(bus, 0).value_or({}).address, 0x10u);
  Node leaf = fdt.find_path("/bus/leaf@7");
  EXPECT_EQ(fdt.reg(leaf, 0).value_or({}).address, 7u);
  EXPECT_EQ(fdt.reg(leaf, 0).value_or({}).size, 0u);
  EXPECT_EQ(fdt.reg_count(fdt.find_path("/odd")).error(), Error::Malformed);
  EXPECT_EQ(fdt.reg_count(fdt.find_path("/wide/pci-child")).error(), Error::NotSupported);
  EXPECT_EQ(fdt.reg_count(fdt.root()).error(), Error::NotFound);
}

// Proves cpu_reg translates through empty and non-empty ranges over two bus levels and refuses uncovered addresses.
TEST(FdtReader, RangesTranslation) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
  b.begin_node("soc").u32("#address-cells", 2).u32("#size-cells", 2).empty("ranges");
  // child 0x0..0x100000 -> parent 0x4000_0000; child 0x1000_0000.. -> 0x2_0000_0000
  b.begin_node("bridge")
      .u32("#address-cells", 1)
      .u32("#size-cells", 1)
      .cells("ranges", {0x0, 0x0, 0x40000000, 0x100000, 0x10000000, 0x2, 0x0, 0x1000});
  b.begin_node("uart@1000").cells("reg", {0x1000, 0x100}).end_node();
  b.begin_node("far@10000800").cells("reg", {0x10000800, 0x100}).end_node();
  b.begin_node("straddles@10000f80").cells("reg", {0x10000f80, 0x100}).end_node();
  b.begin_node("outside@200000").cells("reg", {0x200000, 0x10}).end_node();
  b.end_node();
  b.begin_node("direct@5000").cells("reg", {0, 0x5000, 0, 0x10}).end_node();
  b.end_node();
  b.begin_node("norange").u32("#address-cells", 1).u32("#size-cells", 1);
  b.begin_node("dev@30").cells("reg", {0x30, 4}).end_node();
  b.end_node();
  b.end_node();
  Opened t(b.build());
  const Fdt& fdt = t.fdt;
  EXPECT_EQ(fdt.cpu_reg(fdt.find_path("/soc/bridge/uart"), 0).value_or({}).address, 0x40001000u);
  EXPECT_EQ(fdt.cpu_reg(fdt.find_path("/soc/bridge/far"), 0).value_or({}).address, 0x200000800u);
  EXPECT_EQ(fdt.cpu_reg(fdt.find_path("/soc/bridge/straddles"), 0).error(), Error::NotFound);
  EXPECT_EQ(fdt.cpu_reg(fdt.find_path("/soc/bridge/outside"), 0).error(), Error::NotFound);
  EXPECT_EQ(fdt.cpu_reg(fdt.find_path("/soc/direct"), 0).value_or({}).address, 0x5000u);
  // The untranslated address is still available.
  EXPECT_EQ(fdt.reg(fdt.find_path("/soc/bridge/uart"), 0).value_or({}).address, 0x1000u);
  // A bus without ranges is read 1:1.
  EXPECT_EQ(fdt.cpu_reg(fdt.find_path("/norange/dev"), 0).value_or({}).address, 0x30u);
}

// Proves the memory-reservation block is read up to its terminator.
TEST(FdtReader, ReservationBlock) {
  FdtBuilder b;
  b.reserve(0x80000000, 0x200000).reserve(0x1234567800000000, 0x1000);
  b.begin_node("").end_node();
  Opened t(b.build());
  ASSERT_EQ(t.fdt.reservation_count(), 2u);
  EXPECT_EQ(t.fdt.reservation(0).address, 0x80000000u);
  EXPECT_EQ(t.fdt.reservation(0).size, 0x200000u);
  EXPECT_EQ(t.fdt.reservation(1).address, 0x1234567800000000u);
  EXPECT_EQ(t.fdt.reservation(2).size, 0u);  // out of range reads as empty
}

// Proves NOP tokens are skipped everywhere the specification allows them.
TEST(FdtReader, NopTokensAreTransparent) {
  FdtBuilder b;
  b.nop().begin_node("").nop().u32("a", 1).nop().u32("b", 2).nop();
  b.begin_node("x").end_node().nop().nop();
  b.begin_node("y").nop().end_node();
  b.end_node().nop();
  Opened t(b.build());
  const Fdt& fdt = t.fdt;
  uint32_t v = 0;
  EXPECT_TRUE(fdt.property(fdt.root(), "b").as_u32(v));
  EXPECT_EQ(v, 2u);
  Node x = fdt.first_child(fdt.root());
  EXPECT_STREQ(fdt.name(x), "x");
  EXPECT_STREQ(fdt.name(fdt.next_sibling(x)), "y");
  EXPECT_FALSE(fdt.next_sibling(fdt.next_sibling(x)));
  EXPECT_EQ(t.path(fdt.find_path("/y")), "/y");
}

// Proves path() truncates safely into a small buffer and reports the truncation.
TEST(FdtReader, PathTruncation) {
  Opened t(test::load_blob("qemu-virt-smp1.dtb"));
  Node serial = t.fdt.find_path("/soc/serial@10000000");
  char small[8];
  EXPECT_FALSE(t.fdt.path(serial, small, sizeof(small)));
  EXPECT_STREQ(small, "/soc/se");
  char exact[21];
  EXPECT_TRUE(t.fdt.path(serial, exact, sizeof(exact)));
  EXPECT_STREQ(exact, "/soc/serial@10000000");
  EXPECT_FALSE(t.fdt.path(Node{}, exact, sizeof(exact)));
}

// Proves accessors given a Node that is not a node (a stale or made-up offset) fail closed.
TEST(FdtReader, BogusNodeHandlesFailClosed) {
  Opened t(test::load_blob("qemu-virt-smp1.dtb"));
  const Fdt& fdt = t.fdt;
  for (uint32_t offset : {4u, 8u, 0x7ffffffcu, Node::kNone}) {
    Node bogus{offset};
    EXPECT_FALSE(fdt.first_child(bogus));
    EXPECT_FALSE(fdt.next_sibling(bogus));
    EXPECT_FALSE(fdt.next_in_tree_order(bogus));
    EXPECT_FALSE(fdt.parent(bogus));
    EXPECT_FALSE(fdt.property(bogus, "compatible"));
    EXPECT_STREQ(fdt.name(bogus), "");
  }
}

// Proves MessageBuilder formats hex and decimal and never overflows its buffer.
TEST(FdtReader, MessageBuilder) {
  char buffer[32];
  MessageBuilder m(buffer, sizeof(buffer));
  m.text("at ").hex(0x1a4).text(" n=").dec(0).text(" ").dec(18446744073709551615u);
  EXPECT_STREQ(buffer, "at 0x1a4 n=0 184467440737095516");  // cut at 31 chars
  char tiny[4];
  MessageBuilder t(tiny, sizeof(tiny));
  t.hex(0xdeadbeef);
  EXPECT_STREQ(tiny, "0xd");
  char zero[8];
  MessageBuilder z(zero, sizeof(zero));
  z.hex(0);
  EXPECT_STREQ(zero, "0x0");
}

}  // namespace
}  // namespace rivet::dt
