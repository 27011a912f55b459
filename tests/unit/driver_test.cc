// The driver model's pure half: device records built from the real trees
// (QEMU virt and sifive_u, VisionFive 2 and a stand-in for its vendor tree,
// Unmatched, Unleashed) and which driver each node gets; nodes no driver can
// take (disabled, malformed reg or interrupts, unknown compatible) are
// skipped with a reason, never probed and never a crash.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernel/driver/driver.h"
#include "kernel/dt/device_tree.h"
#include "tests/unit/dt_test_support.h"

namespace rivet::driver {

// Stand-in probes, one per table entry, that record the call. A test can
// make a driver's probe fail to see the failure reported.
std::vector<std::string> g_probed;
std::map<std::string, Error> g_probe_result;

#define DRIVER(name, stage, regs, irqs, ...)                      \
  Result<void> probe_##name(dt::Device& device) {                 \
    char path[128];                                               \
    device.path(path, sizeof path);                               \
    g_probed.push_back(std::string(#name) + " " + path);          \
    auto r = g_probe_result.find(#name);                          \
    if (r != g_probe_result.end()) return r->second;              \
    return {};                                                    \
  }
#include "kernel/driver/drivers.def"
#undef DRIVER

namespace {

using dt::test::Blob;
using dt::test::FdtBuilder;

struct Tree {
  explicit Tree(const Blob& blob) : bytes(blob) {
    char text[160];
    dt::MessageBuilder why(text, sizeof text);
    auto fdt = dt::Fdt::open(bytes.data(), bytes.size(), why);
    EXPECT_TRUE(fdt.ok()) << text;
    if (fdt.ok()) built = tree->build(fdt.value(), why);
  }
  Blob bytes;
  std::unique_ptr<dt::DeviceTree> tree = std::make_unique<dt::DeviceTree>();
  Result<void> built = Error::Invalid;
};

std::string path_of(const dt::Device& d) {
  char path[128];
  d.path(path, sizeof path);
  return path;
}

// "path -> driver" for every node some driver takes.
std::map<std::string, std::string> bindings(const Blob& blob) {
  Tree t(blob);
  std::map<std::string, std::string> out;
  for (uint32_t i = 0; i < t.tree->count(); i++) {
    Match m = match(t.tree->device(i));
    if (m.driver) out[path_of(t.tree->device(i))] = m.driver->name;
  }
  return out;
}

std::vector<std::string> g_reports;
void collect(const dt::Device& d, const Driver* driver, const char* what, Error e) {
  g_reports.push_back(path_of(d) + ": " + (driver ? driver->name : "-") + ": " + what + ": " + error_name(e));
}

// Proves: QEMU virt's PLIC, its one UART and all eight virtio-mmio slots are
// matched; nothing else is.
TEST(DriverMatch, QemuVirt) {
  auto b = bindings(dt::test::load_blob("qemu-virt-smp1.dtb"));
  std::map<std::string, std::string> want = {
      {"/soc/plic@c000000", "plic"},
      {"/soc/serial@10000000", "uart_16550"},
  };
  for (int i = 1; i <= 8; i++) want["/soc/virtio_mmio@1000" + std::to_string(i) + "000"] = "virtio_mmio";
  EXPECT_EQ(b, want);
}

// The SiFive SoCs' SPI controllers and the SD slot: every `sifive,spi0`
// controller that is enabled gets sifive_spi (also the flash controller at
// 0x10040000, whose jedec,spi-nor child no driver takes), the slot under
// spi@10050000 gets mmc_spi.
void add_sifive_storage(std::map<std::string, std::string>& want) {
  want["/soc/spi@10040000"] = "sifive_spi";
  want["/soc/spi@10050000"] = "sifive_spi";
  want["/soc/spi@10050000/mmc@0"] = "mmc_spi";
}

// Proves: on QEMU's sifive_u the PLIC, both SiFive UARTs (the console choice
// is the UART probe's, not the matcher's), both SPI controllers and the
// mmc-spi-slot are matched -- and nothing else is (the full map).
TEST(DriverMatch, QemuSifiveU) {
  auto b = bindings(dt::test::load_blob("qemu-sifive_u-smp5.dtb"));
  std::map<std::string, std::string> want = {
      {"/soc/interrupt-controller@c000000", "plic"},
      {"/soc/serial@10010000", "uart_sifive"},
      {"/soc/serial@10011000", "uart_sifive"},
  };
  add_sifive_storage(want);
  EXPECT_EQ(b, want);
}

// Proves: the real HiFive trees (FU740 Unmatched, FU540 Unleashed) bind
// exactly their PLIC, both UARTs, the enabled SPI controllers (listed as
// "sifive,fu7x0-c000-spi", "sifive,spi0": matched on the second) and the SD
// slot; the disabled spi@10041000 is not bound.
TEST(DriverMatch, HiFiveBoards) {
  for (const char* name : {"boards/hifive-unmatched-a00.dtb", "boards/hifive-unleashed-a00.dtb"}) {
    auto b = bindings(dt::test::load_blob(name));
    std::map<std::string, std::string> want = {
        {"/soc/interrupt-controller@c000000", "plic"},
        {"/soc/serial@10010000", "uart_sifive"},
        {"/soc/serial@10011000", "uart_sifive"},
    };
    add_sifive_storage(want);
    EXPECT_EQ(b, want) << name;
    Tree t(dt::test::load_blob(name));
    const dt::Device* off = t.tree->find_path("/soc/spi@10041000", 17);
    ASSERT_NE(off, nullptr) << name;
    EXPECT_STREQ(match(*off).skipped, "disabled") << name;
  }
}

// Proves: the VisionFive 2 (upstream-style tree as U-Boot 2025.01 hands it
// over) binds exactly the PLIC, the console UART and both DesignWare MMC
// controllers (eMMC mmc@16010000, SD mmc@16020000); the other, disabled
// UARTs are not bound.
TEST(DriverMatch, VisionFive2) {
  auto b = bindings(dt::test::load_blob("boards/starfive-visionfive-2-v1.3b.dtb"));
  std::map<std::string, std::string> want = {
      {"/soc/interrupt-controller@c000000", "plic"},
      {"/soc/serial@10000000", "uart_16550"},
      {"/soc/mmc@16010000", "dw_mmc"},
      {"/soc/mmc@16020000", "dw_mmc"},
  };
  EXPECT_EQ(b, want);
}

// Proves: on the vendor-style VisionFive 2 tree (hand-made stand-in, see
// tests/data/boards/README.md) the same hardware binds under the vendor's
// names and compatibles: plic@c000000 ("riscv,plic0" only), the console
// serial@10000000, and both controllers as sdio0@16010000 and
// sdio1@16020000 ("snps,dw-mshc" only) -- and nothing else.
TEST(DriverMatch, VisionFive2VendorTree) {
  auto b = bindings(dt::test::load_blob("boards/starfive-visionfive-2-v1.3b-vendor.dtb"));
  std::map<std::string, std::string> want = {
      {"/soc/plic@c000000", "plic"},
      {"/soc/serial@10000000", "uart_16550"},
      {"/soc/sdio0@16010000", "dw_mmc"},
      {"/soc/sdio1@16020000", "dw_mmc"},
  };
  EXPECT_EQ(b, want);
}

// Proves: on the vendor-style tree the probes run in the stages the kernel
// relies on -- the PLIC first, then the console UART, then both MMC
// controllers in tree order -- each exactly once, and nothing is reported.
TEST(DriverProbe, VisionFive2VendorTreeStages) {
  Tree t(dt::test::load_blob("boards/starfive-visionfive-2-v1.3b-vendor.dtb"));
  ASSERT_TRUE(t.built.ok());
  g_probed.clear();
  g_reports.clear();
  g_probe_result.clear();
  EXPECT_EQ(probe_stage(*t.tree, Stage::InterruptController, collect), 1u);
  EXPECT_EQ(probe_stage(*t.tree, Stage::Console, collect), 1u);
  EXPECT_EQ(probe_stage(*t.tree, Stage::Normal, collect), 2u);
  EXPECT_EQ(g_probed, (std::vector<std::string>{"plic /soc/plic@c000000", "uart_16550 /soc/serial@10000000",
                                                "dw_mmc /soc/sdio0@16010000", "dw_mmc /soc/sdio1@16020000"}));
  EXPECT_TRUE(g_reports.empty());
}

// Proves: on the SiFive trees the SPI controller is probed before the SD
// slot on it (tree order within the Normal stage), which mmc_spi relies on
// to find its bus.
TEST(DriverProbe, SpiControllerBeforeItsSlot) {
  for (const char* name : {"qemu-sifive_u-smp5.dtb", "boards/hifive-unmatched-a00.dtb",
                           "boards/hifive-unleashed-a00.dtb"}) {
    Tree t(dt::test::load_blob(name));
    ASSERT_TRUE(t.built.ok()) << name;
    g_probed.clear();
    g_reports.clear();
    g_probe_result.clear();
    probe_stage(*t.tree, Stage::InterruptController, collect);
    probe_stage(*t.tree, Stage::Console, collect);
    g_probed.clear();
    EXPECT_EQ(probe_stage(*t.tree, Stage::Normal, collect), 3u) << name;
    EXPECT_EQ(g_probed, (std::vector<std::string>{"sifive_spi /soc/spi@10040000", "sifive_spi /soc/spi@10050000",
                                                  "mmc_spi /soc/spi@10050000/mmc@0"}))
        << name;
    EXPECT_TRUE(g_reports.empty()) << name;
  }
}

// Proves: every node of every real tree gets a record, registers are
// translated into CPU addresses, interrupts carry their controller, and
// parent/child links agree with the tree.
TEST(DeviceTree, RecordsOfRealTrees) {
  for (const std::string& name : dt::test::all_blob_names()) {
    Tree t(dt::test::load_blob(name));
    ASSERT_TRUE(t.built.ok()) << name;
    ASSERT_GT(t.tree->count(), 10u) << name;
    for (uint32_t i = 0; i < t.tree->count(); i++) {
      const dt::Device& d = t.tree->device(i);
      EXPECT_EQ(d.index, i);
      if (i == 0) {
        EXPECT_EQ(d.parent, dt::kNoDevice);
        continue;
      }
      ASSERT_LT(d.parent, i) << name << " " << path_of(d);
      // d is among its parent's children.
      bool found = false;
      for (uint32_t c = t.tree->device(d.parent).first_child; c != dt::kNoDevice; c = t.tree->device(c).next_sibling)
        found |= c == i;
      EXPECT_TRUE(found) << name << " " << path_of(d);
    }
  }
  Tree virt(dt::test::load_blob("qemu-virt-smp1.dtb"));
  dt::Device* uart = virt.tree->find_path("/soc/serial@10000000", 20);
  ASSERT_NE(uart, nullptr);
  ASSERT_EQ(uart->reg_count, 1u);
  EXPECT_EQ(uart->regs[0].address, 0x10000000u);
  EXPECT_EQ(uart->regs[0].size, 0x100u);
  ASSERT_EQ(uart->irq_count, 1u);
  EXPECT_EQ(uart->irqs[0].number, 10u);
  dt::Device* plic = virt.tree->find_phandle(uart->irqs[0].controller);
  ASSERT_NE(plic, nullptr);
  EXPECT_TRUE(plic->is_compatible("riscv,plic0"));
  // The PLIC's interrupts-extended lists (hart intc, cause) pairs.
  EXPECT_GE(plic->irq_count, 2u);
  EXPECT_EQ(plic->irqs[1].number, 9u);
}

// Proves: on the VisionFive 2 the SD controller's registers and interrupt
// come through (reg translated, IRQ 75 at the PLIC) with its fifo-depth.
TEST(DeviceTree, VisionFive2Storage) {
  Tree t(dt::test::load_blob("boards/starfive-visionfive-2-v1.3b.dtb"));
  dt::Device* mmc = t.tree->find_path("/soc/mmc@16020000", 17);
  ASSERT_NE(mmc, nullptr);
  ASSERT_GE(mmc->reg_count, 1u);
  EXPECT_EQ(mmc->regs[0].address, 0x16020000u);
  ASSERT_GE(mmc->irq_count, 1u);
  EXPECT_EQ(mmc->irqs[0].number, 75u);
  uint32_t fifo = 0;
  EXPECT_TRUE(mmc->read_u32("fifo-depth", fifo));
  EXPECT_EQ(fifo, 32u);
}

// Proves: under the vendor's node names the records are the same: the SD
// controller sdio1@16020000 at 0x16020000 with IRQ 75 at the vendor-named
// PLIC, fifo-depth 32; the eMMC controller sdio0@16010000 at 0x16010000
// with IRQ 74; the root is compatible with "starfive,jh7110" (what the
// dw_mmc probe checks before touching the JH7110 clock generator).
TEST(DeviceTree, VisionFive2VendorStorage) {
  Tree t(dt::test::load_blob("boards/starfive-visionfive-2-v1.3b-vendor.dtb"));
  ASSERT_TRUE(t.built.ok());
  dt::Device* sd = t.tree->find_path("/soc/sdio1@16020000", 19);
  ASSERT_NE(sd, nullptr);
  ASSERT_GE(sd->reg_count, 1u);
  EXPECT_EQ(sd->regs[0].address, 0x16020000u);
  ASSERT_GE(sd->irq_count, 1u);
  EXPECT_EQ(sd->irqs[0].number, 75u);
  dt::Device* plic = t.tree->find_phandle(sd->irqs[0].controller);
  ASSERT_NE(plic, nullptr);
  EXPECT_EQ(path_of(*plic), "/soc/plic@c000000");
  uint32_t fifo = 0;
  EXPECT_TRUE(sd->read_u32("fifo-depth", fifo));
  EXPECT_EQ(fifo, 32u);
  dt::Device* emmc = t.tree->find_path("/soc/sdio0@16010000", 19);
  ASSERT_NE(emmc, nullptr);
  ASSERT_GE(emmc->reg_count, 1u);
  EXPECT_EQ(emmc->regs[0].address, 0x16010000u);
  ASSERT_GE(emmc->irq_count, 1u);
  EXPECT_EQ(emmc->irqs[0].number, 74u);
  EXPECT_TRUE(t.tree->device(0).is_compatible("starfive,jh7110"));
  EXPECT_FALSE(sd->is_compatible("starfive,jh7110-mmc"));
}

// A small tree with one well-formed virtio slot and several broken ones.
Blob broken_tree() {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2).string("compatible", "test");
  b.begin_node("plic@c000000")
      .string("compatible", "riscv,plic0")
      .u32("#interrupt-cells", 1)
      .empty("interrupt-controller")
      .u32("phandle", 7)
      .cells("reg", {0, 0x0c000000, 0, 0x4000000})
      .end_node();
  b.begin_node("soc").u32("#address-cells", 2).u32("#size-cells", 2).empty("ranges").u32("interrupt-parent", 7);
  b.begin_node("virtio@1000").string("compatible", "virtio,mmio").cells("reg", {0, 0x1000, 0, 0x1000}).cells("interrupts", {1}).end_node();
  // No reg at all.
  b.begin_node("virtio@2000").string("compatible", "virtio,mmio").cells("interrupts", {2}).end_node();
  // reg that is not a whole entry.
  b.begin_node("virtio@3000").string("compatible", "virtio,mmio").cells("reg", {0, 0x3000, 0}).cells("interrupts", {3}).end_node();
  // Disabled.
  b.begin_node("virtio@4000").string("compatible", "virtio,mmio").string("status", "disabled")
      .cells("reg", {0, 0x4000, 0, 0x1000}).cells("interrupts", {4}).end_node();
  // Interrupts through a parent that does not exist.
  b.begin_node("virtio@5000").string("compatible", "virtio,mmio").u32("interrupt-parent", 99)
      .cells("reg", {0, 0x5000, 0, 0x1000}).cells("interrupts", {5}).end_node();
  // interrupts-extended naming a phandle that is nobody.
  b.begin_node("virtio@6000").string("compatible", "virtio,mmio")
      .cells("reg", {0, 0x6000, 0, 0x1000}).cells("interrupts-extended", {42, 6}).end_node();
  // Unknown device, and a compatible property that is not a string list.
  b.begin_node("gizmo@7000").string("compatible", "acme,gizmo").cells("reg", {0, 0x7000, 0, 0x1000}).end_node();
  b.begin_node("junk@8000").property("compatible", Blob{'v', 'i', 'r'}).end_node();
  b.end_node();  // soc
  // A bus whose ranges do not cover its child.
  b.begin_node("bus").u32("#address-cells", 1).u32("#size-cells", 1).cells("ranges", {0, 0, 0x9000, 0x100})
      .u32("interrupt-parent", 7);
  b.begin_node("virtio@5000").string("compatible", "virtio,mmio").cells("reg", {0x5000, 0x1000}).cells("interrupts", {8}).end_node();
  b.end_node();
  b.end_node();  // root
  return b.build();
}


// Proves: malformed and disabled nodes are skipped with a reason and never
// probed; the good slot is probed; unknown and garbled compatibles are
// ignored without a crash.
TEST(DriverProbe, BrokenNodesAreSkippedWithAReason) {
  Tree t(broken_tree());
  ASSERT_TRUE(t.built.ok());
  g_probed.clear();
  g_reports.clear();
  g_probe_result.clear();
  EXPECT_EQ(probe_stage(*t.tree, Stage::InterruptController, collect), 1u);
  EXPECT_EQ(probe_stage(*t.tree, Stage::Console, collect), 0u);
  EXPECT_EQ(probe_stage(*t.tree, Stage::Normal, collect), 1u);
  EXPECT_EQ(g_probed, (std::vector<std::string>{"plic /plic@c000000", "virtio_mmio /soc/virtio@1000"}));
  std::vector<std::string> want = {
      "/soc/virtio@2000: -: no usable reg: OK",
      "/soc/virtio@3000: -: reg is not a whole number of entries: OK",
      "/soc/virtio@5000: -: interrupts without an interrupt controller that says #interrupt-cells: OK",
      "/soc/virtio@6000: -: interrupts-extended names no interrupt controller or is cut short: OK",
      "/bus/virtio@5000: -: reg is outside every parent bus's ranges: OK",
  };
  EXPECT_EQ(g_reports, want);
  // The bound nodes remember their driver.
  EXPECT_STREQ(t.tree->find_path("/soc/virtio@1000", 16)->driver->name, "virtio_mmio");
}

// Proves: a failing probe is reported with its error and leaves the node
// unbound; a probe that declines (NoDevice) is silent.
TEST(DriverProbe, FailuresAreReportedDeclinesAreNot) {
  Tree t(dt::test::load_blob("qemu-virt-smp1.dtb"));
  g_probed.clear();
  g_reports.clear();
  g_probe_result = {{"virtio_mmio", Error::NoDevice}, {"uart_16550", Error::Io}};
  EXPECT_EQ(probe_stage(*t.tree, Stage::Console, collect), 0u);
  EXPECT_EQ(probe_stage(*t.tree, Stage::Normal, collect), 0u);
  EXPECT_EQ(g_reports, (std::vector<std::string>{"/soc/serial@10000000: uart_16550: probe failed: EIO"}));
  EXPECT_EQ(g_probed.size(), 9u);  // the UART and eight slots
  g_probe_result.clear();
}

// Proves: a tree with more nodes than the table holds is refused with a
// message and the nodes that fit are still usable.
TEST(DeviceTree, TooManyNodes) {
  FdtBuilder b;
  b.begin_node("");
  for (uint32_t i = 0; i < dt::kMaxDevices + 5; i++) b.begin_node("n@" + std::to_string(i)).end_node();
  b.end_node();
  Tree t(b.build());
  EXPECT_EQ(t.built.error(), Error::NoMemory);
  EXPECT_EQ(t.tree->count(), dt::kMaxDevices);
}

}  // namespace
}  // namespace rivet::driver
