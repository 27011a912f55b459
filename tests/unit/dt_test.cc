// discover() on the device trees of the machines Rivet runs on: the QEMU
// machines, and the real boards' trees as their firmware hands them over.
// Expected values come from `dtc -I dtb -O dts` of each blob.
#include <gtest/gtest.h>

#include <string>

#include "kernel/dt/machine.h"
#include "tests/unit/dt_test_support.h"

namespace rivet::dt {
namespace {

using test::discover_copy;
using test::load_blob;

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

struct Discovered {
  Machine machine;
  Result<void> result;
};

std::unique_ptr<Discovered> discover_file(const std::string& name) {
  auto d = std::make_unique<Discovered>();
  test::Blob blob = load_blob(name);
  EXPECT_FALSE(blob.empty()) << name;
  d->result = discover_copy(blob, d->machine);
  EXPECT_TRUE(d->result.ok()) << name << ": " << d->machine.error;
  return d;
}

// ---- QEMU virt --------------------------------------------------------------

// Proves the single-hart virt machine yields its 128 MiB, one usable sstc hart and 10 MHz timebase.
TEST(DtQemuVirt, Smp1MemoryHartAndTimebase) {
  auto d = discover_file("qemu-virt-smp1.dtb");
  const Machine& m = d->machine;
  ASSERT_EQ(m.memory_count, 1u);
  EXPECT_EQ(m.memory[0].base, 0x80000000u);
  EXPECT_EQ(m.memory[0].size, 128 * kMiB);
  EXPECT_EQ(m.reserved_count, 0u);
  ASSERT_EQ(m.hart_count, 1u);
  EXPECT_EQ(m.harts[0].hartid, 0u);
  EXPECT_TRUE(m.harts[0].usable());
  EXPECT_TRUE(m.harts[0].sstc);
  EXPECT_EQ(m.timebase_hz, 10000000u);
  EXPECT_EQ(m.harts[0].plic_s_context, 1u);
  EXPECT_STREQ(m.error, "");
}

// Proves four virt harts are found with ids 0..3, and each hart's S-mode PLIC context is read from interrupts-extended (2h+1 on virt).
TEST(DtQemuVirt, Smp4HartsAndPlicContexts) {
  auto d = discover_file("qemu-virt-smp4-2g.dtb");
  const Machine& m = d->machine;
  ASSERT_EQ(m.memory_count, 1u);
  EXPECT_EQ(m.memory[0].base, 0x80000000u);
  EXPECT_EQ(m.memory[0].size, 2 * kGiB);
  ASSERT_EQ(m.hart_count, 4u);
  for (uint32_t h = 0; h < 4; ++h) {
    const Hart* hart = m.find_hart(h);
    ASSERT_NE(hart, nullptr) << h;
    EXPECT_TRUE(hart->okay);
    EXPECT_TRUE(hart->sv39);
    EXPECT_TRUE(hart->usable());
    EXPECT_TRUE(hart->sstc);
    EXPECT_STREQ(hart->mmu_type, "riscv,sv48");
    EXPECT_STREQ(hart->isa, "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc");
    EXPECT_EQ(hart->plic_s_context, 2 * h + 1) << h;
  }
  // cpu@0's interrupt controller is phandle 8, cpu@3's is 2 (see the dts).
  EXPECT_EQ(m.find_hart(0)->intc_phandle, 8u);
  EXPECT_EQ(m.find_hart(3)->intc_phandle, 2u);
  EXPECT_EQ(m.timebase_hz, 10000000u);
  EXPECT_TRUE(m.plic.present);
  EXPECT_EQ(m.plic.base, 0x0c000000u);
  EXPECT_EQ(m.plic.size, 0x600000u);
  EXPECT_EQ(m.plic.ndev, 96u);
  EXPECT_EQ(m.plic.phandle, 9u);
}

// Proves the virt console is the ns16550a that stdout-path names, with its defaults and irq 10.
TEST(DtQemuVirt, ConsoleUart) {
  for (const char* name : {"qemu-virt-smp1.dtb", "qemu-virt-smp4-2g.dtb"}) {
    auto d = discover_file(name);
    const Machine& m = d->machine;
    EXPECT_STREQ(m.chosen.stdout_path, "/soc/serial@10000000") << name;
    EXPECT_EQ(m.uart.kind, UartKind::Ns16550a);
    EXPECT_EQ(m.uart.base, 0x10000000u);
    EXPECT_EQ(m.uart.size, 0x100u);
    EXPECT_EQ(m.uart.reg_shift, 0u);
    EXPECT_EQ(m.uart.reg_io_width, 1u);
    EXPECT_EQ(m.uart.irq, 10u);
    EXPECT_EQ(m.uart.clock_hz, 3686400u);  // the dts shows it as the string "\08@"
    EXPECT_STREQ(m.uart.compatible, "ns16550a");
    EXPECT_STREQ(m.uart.path, "/soc/serial@10000000");
  }
}

// Proves the root identity is copied and a chosen node without bootargs/initrd leaves them empty.
TEST(DtQemuVirt, IdentityAndChosen) {
  auto d = discover_file("qemu-virt-smp1.dtb");
  const Machine& m = d->machine;
  EXPECT_STREQ(m.model, "riscv-virtio,qemu");
  EXPECT_STREQ(m.compatible, "riscv-virtio");
  EXPECT_STREQ(m.chosen.bootargs, "");
  EXPECT_FALSE(m.chosen.has_initrd);
  EXPECT_FALSE(m.chosen.has_boot_hartid);
}

// ---- QEMU sifive_u ------------------------------------------------------------

// Proves QEMU's sifive_u: 8 GiB, the S-less monitor hart 0 is not usable, harts 1-4 get S contexts 2h, sifive UART console.
TEST(DtQemuSifiveU, Smp5) {
  auto d = discover_file("qemu-sifive_u-smp5.dtb");
  const Machine& m = d->machine;
  ASSERT_EQ(m.memory_count, 1u);
  EXPECT_EQ(m.memory[0].base, 0x80000000u);
  EXPECT_EQ(m.memory[0].size, 8 * kGiB);
  ASSERT_EQ(m.hart_count, 5u);
  EXPECT_TRUE(m.harts[0].okay);
  EXPECT_FALSE(m.harts[0].sv39);
  EXPECT_FALSE(m.harts[0].usable());
  EXPECT_EQ(m.harts[0].plic_s_context, kNoContext);
  for (uint32_t h = 1; h <= 4; ++h) {
    const Hart* hart = m.find_hart(h);
    ASSERT_NE(hart, nullptr);
    EXPECT_TRUE(hart->usable()) << h;
    EXPECT_FALSE(hart->sstc);
    EXPECT_EQ(hart->plic_s_context, 2 * h) << h;
  }
  EXPECT_EQ(m.timebase_hz, 1000000u);
  EXPECT_EQ(m.plic.base, 0x0c000000u);
  EXPECT_EQ(m.plic.ndev, 0x35u);
  EXPECT_EQ(m.uart.kind, UartKind::Sifive);
  EXPECT_EQ(m.uart.base, 0x10010000u);
  EXPECT_EQ(m.uart.irq, 4u);
  EXPECT_EQ(m.uart.clock_hz, 0u);
  EXPECT_STREQ(m.uart.compatible, "sifive,uart0");
  EXPECT_STREQ(m.model, "SiFive HiFive Unleashed A00");
}

// ---- StarFive VisionFive 2 -------------------------------------------------

// Proves the VisionFive 2 memory at 0x40000000 and that only the four U74 harts (1-4) are usable, none with sstc.
TEST(DtVisionFive2, MemoryAndHarts) {
  auto d = discover_file("boards/starfive-visionfive-2-v1.3b.dtb");
  const Machine& m = d->machine;
  ASSERT_EQ(m.memory_count, 1u);
  EXPECT_EQ(m.memory[0].base, 0x40000000u);
  EXPECT_EQ(m.memory[0].size, 8 * kGiB);
  ASSERT_EQ(m.hart_count, 5u);
  EXPECT_FALSE(m.find_hart(0)->usable());   // the S7 monitor core: no MMU
  EXPECT_STREQ(m.find_hart(0)->mmu_type, "");
  for (uint32_t h = 1; h <= 4; ++h) {
    const Hart* hart = m.find_hart(h);
    ASSERT_NE(hart, nullptr);
    EXPECT_TRUE(hart->usable()) << h;
    EXPECT_TRUE(hart->sv39);
    EXPECT_FALSE(hart->sstc);
    EXPECT_STREQ(hart->isa, "rv64imafdc_zba_zbb");
  }
  EXPECT_EQ(m.timebase_hz, 4000000u);  // a 4-byte value the dts prints as "\0=\t"
  EXPECT_STREQ(m.model, "");           // this tree has no model property
  EXPECT_STREQ(m.compatible, "starfive,visionfive-2-v1.3b");
}

// Proves the VisionFive 2 console is the DesignWare UART reached through the alias in "serial0:115200n8".
TEST(DtVisionFive2, ConsoleIsDwApbUartViaAlias) {
  auto d = discover_file("boards/starfive-visionfive-2-v1.3b.dtb");
  const Machine& m = d->machine;
  EXPECT_STREQ(m.chosen.stdout_path, "serial0:115200n8");
  EXPECT_EQ(m.uart.kind, UartKind::DwApb);
  EXPECT_EQ(m.uart.base, 0x10000000u);
  EXPECT_EQ(m.uart.size, 0x10000u);
  EXPECT_EQ(m.uart.reg_shift, 2u);
  EXPECT_EQ(m.uart.reg_io_width, 4u);
  EXPECT_EQ(m.uart.clock_hz, 24000000u);
  EXPECT_EQ(m.uart.irq, 32u);
  EXPECT_STREQ(m.uart.compatible, "snps,dw-apb-uart");
  EXPECT_STREQ(m.uart.path, "/soc/serial@10000000");
}

// Proves the JH7110 PLIC is matched by its own compatible and harts 1-4 get the S contexts the tree lists (2, 4, 6, 8).
TEST(DtVisionFive2, PlicContexts) {
  auto d = discover_file("boards/starfive-visionfive-2-v1.3b.dtb");
  const Machine& m = d->machine;
  EXPECT_TRUE(m.plic.present);
  EXPECT_EQ(m.plic.base, 0x0c000000u);
  EXPECT_EQ(m.plic.size, 0x4000000u);
  EXPECT_EQ(m.plic.ndev, 136u);
  EXPECT_EQ(m.plic.phandle, 0x0cu);
  EXPECT_EQ(m.find_hart(0)->plic_s_context, kNoContext);
  for (uint32_t h = 1; h <= 4; ++h) EXPECT_EQ(m.find_hart(h)->plic_s_context, 2 * h) << h;
}

// ---- VisionFive 2 under the vendor firmware (hand-made stand-in) -------------
// boards/starfive-visionfive-2-v1.3b-vendor.dts: the vendor's node names
// (plic@c000000 "riscv,plic0", sdio0/sdio1), stdout-path by full path, and a
// memory node named memory@80000000 that starts at 0x40000000.

// Proves discovery on the vendor-style tree: memory taken from reg, not from
// the misleading node name; the four U74 harts usable with S contexts 2h from
// the "riscv,plic0" PLIC's interrupts-extended; the 4 MHz timebase; the
// vendor model string; the console found through a full-path stdout-path
// with the options after ':' ignored.
TEST(DtVisionFive2Vendor, Discovery) {
  auto d = discover_file("boards/starfive-visionfive-2-v1.3b-vendor.dtb");
  const Machine& m = d->machine;
  ASSERT_EQ(m.memory_count, 1u);
  EXPECT_EQ(m.memory[0].base, 0x40000000u);
  EXPECT_EQ(m.memory[0].size, 8 * kGiB);
  ASSERT_EQ(m.hart_count, 5u);
  EXPECT_FALSE(m.find_hart(0)->usable());
  EXPECT_EQ(m.find_hart(0)->plic_s_context, kNoContext);
  for (uint32_t h = 1; h <= 4; ++h) {
    ASSERT_NE(m.find_hart(h), nullptr) << h;
    EXPECT_TRUE(m.find_hart(h)->usable()) << h;
    EXPECT_FALSE(m.find_hart(h)->sstc);
    EXPECT_EQ(m.find_hart(h)->plic_s_context, 2 * h) << h;
  }
  EXPECT_EQ(m.timebase_hz, 4000000u);
  EXPECT_STREQ(m.model, "StarFive VisionFive V2");
  EXPECT_STREQ(m.compatible, "starfive,visionfive-v2");
  EXPECT_TRUE(m.plic.present);
  EXPECT_EQ(m.plic.base, 0x0c000000u);
  EXPECT_EQ(m.plic.size, 0x4000000u);
  EXPECT_EQ(m.plic.ndev, 136u);
  EXPECT_STREQ(m.chosen.stdout_path, "/soc/serial@10000000:115200");
  EXPECT_EQ(m.uart.kind, UartKind::DwApb);
  EXPECT_EQ(m.uart.base, 0x10000000u);
  EXPECT_EQ(m.uart.reg_shift, 2u);
  EXPECT_EQ(m.uart.reg_io_width, 4u);
  EXPECT_EQ(m.uart.clock_hz, 24000000u);
  EXPECT_EQ(m.uart.irq, 32u);
  EXPECT_STREQ(m.uart.path, "/soc/serial@10000000");
}

// ---- SiFive HiFive Unmatched and Unleashed ---------------------------------

// Proves the Unmatched: 16 GiB, harts 1-4 usable with S contexts 2h, console sifive,uart0 via the "serial0" alias.
TEST(DtHifiveUnmatched, Discovery) {
  auto d = discover_file("boards/hifive-unmatched-a00.dtb");
  const Machine& m = d->machine;
  ASSERT_EQ(m.memory_count, 1u);
  EXPECT_EQ(m.memory[0].base, 0x80000000u);
  EXPECT_EQ(m.memory[0].size, 16 * kGiB);
  ASSERT_EQ(m.hart_count, 5u);
  EXPECT_FALSE(m.find_hart(0)->usable());
  EXPECT_EQ(m.find_hart(0)->plic_s_context, kNoContext);
  for (uint32_t h = 1; h <= 4; ++h) {
    EXPECT_TRUE(m.find_hart(h)->usable()) << h;
    EXPECT_FALSE(m.find_hart(h)->sstc);
    EXPECT_EQ(m.find_hart(h)->plic_s_context, 2 * h) << h;
  }
  EXPECT_EQ(m.timebase_hz, 1000000u);
  EXPECT_EQ(m.plic.ndev, 69u);
  EXPECT_EQ(m.plic.base, 0x0c000000u);
  EXPECT_STREQ(m.chosen.stdout_path, "serial0");
  EXPECT_EQ(m.uart.kind, UartKind::Sifive);
  EXPECT_EQ(m.uart.base, 0x10010000u);
  EXPECT_EQ(m.uart.irq, 39u);
  EXPECT_STREQ(m.uart.compatible, "sifive,uart0");
  EXPECT_STREQ(m.uart.path, "/soc/serial@10010000");
  EXPECT_STREQ(m.model, "SiFive HiFive Unmatched A00");
}

// Proves the Unleashed: 8 GiB, harts 1-4 usable with S contexts 2h, console sifive,uart0 via the "serial0" alias.
TEST(DtHifiveUnleashed, Discovery) {
  auto d = discover_file("boards/hifive-unleashed-a00.dtb");
  const Machine& m = d->machine;
  ASSERT_EQ(m.memory_count, 1u);
  EXPECT_EQ(m.memory[0].base, 0x80000000u);
  EXPECT_EQ(m.memory[0].size, 8 * kGiB);
  ASSERT_EQ(m.hart_count, 5u);
  EXPECT_FALSE(m.find_hart(0)->usable());
  for (uint32_t h = 1; h <= 4; ++h) {
    EXPECT_TRUE(m.find_hart(h)->usable()) << h;
    EXPECT_EQ(m.find_hart(h)->plic_s_context, 2 * h) << h;
  }
  EXPECT_EQ(m.timebase_hz, 1000000u);
  EXPECT_EQ(m.plic.ndev, 0x35u);
  EXPECT_EQ(m.uart.kind, UartKind::Sifive);
  EXPECT_EQ(m.uart.base, 0x10010000u);
  EXPECT_EQ(m.uart.irq, 4u);
  EXPECT_STREQ(m.uart.path, "/soc/serial@10010000");
}

// ---- Properties every tree must have ------------------------------------------

// Proves fdt_total_size() reports each blob's own length and 0 for a non-FDT header.
TEST(DtAllTrees, FdtTotalSize) {
  for (const std::string& name : test::all_blob_names()) {
    test::Blob blob = load_blob(name);
    EXPECT_EQ(fdt_total_size(blob.data()), blob.size()) << name;
  }
  uint8_t zeros[40] = {};
  EXPECT_EQ(fdt_total_size(zeros), 0u);
}

// Proves that for every tree, every usable hart has an S-mode PLIC context and the console UART was found.
TEST(DtAllTrees, UsableHartsHaveContextsAndConsole) {
  for (const std::string& name : test::all_blob_names()) {
    auto d = discover_file(name);
    const Machine& m = d->machine;
    EXPECT_NE(m.uart.kind, UartKind::None) << name;
    for (size_t i = 0; i < m.hart_count; ++i) {
      if (m.harts[i].usable()) {
        EXPECT_NE(m.harts[i].plic_s_context, kNoContext) << name << " hart " << i;
      }
    }
  }
}

// Proves discover() resets a reused Machine instead of accumulating into it.
TEST(DtAllTrees, DiscoverResetsTheMachine) {
  auto m = std::make_unique<Machine>();
  test::Blob virt = load_blob("qemu-virt-smp4-2g.dtb");
  ASSERT_TRUE(discover_copy(virt, *m).ok());
  ASSERT_TRUE(discover_copy(virt, *m).ok());
  EXPECT_EQ(m->hart_count, 4u);
  test::Blob bad = virt;
  bad[0] ^= 0xff;
  EXPECT_FALSE(discover_copy(bad, *m).ok());
  EXPECT_EQ(m->hart_count, 0u);
}

}  // namespace
}  // namespace rivet::dt
