// discover() on hand-built trees: the cases no shipped tree exercises
// (aliases with options, sparse hart ids, reserved memory, bus translation,
// fallbacks, and the essential-missing errors).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kernel/dt/machine.h"
#include "tests/unit/dt_test_support.h"

namespace rivet::dt {
namespace {

using test::begin_machine;
using test::Blob;
using test::FdtBuilder;

struct Outcome {
  Machine machine;
  Result<void> result;
};

std::unique_ptr<Outcome> run(const Blob& blob) {
  auto o = std::make_unique<Outcome>();
  o->result = test::discover_copy(blob, o->machine);
  return o;
}

std::unique_ptr<Outcome> run_ok(const Blob& blob) {
  auto o = run(blob);
  EXPECT_TRUE(o->result.ok()) << o->machine.error;
  return o;
}

// A /soc simple-bus with identity ranges, left open.
FdtBuilder& begin_soc(FdtBuilder& b) {
  return b.begin_node("soc")
      .u32("#address-cells", 2)
      .u32("#size-cells", 2)
      .string("compatible", "simple-bus")
      .empty("ranges");
}

FdtBuilder& uart_node(FdtBuilder& b, const std::string& name, std::initializer_list<std::string_view> compatible,
                      uint64_t base, uint32_t irq) {
  return b.begin_node(name)
      .strings("compatible", compatible)
      .cells("reg", {static_cast<uint32_t>(base >> 32), static_cast<uint32_t>(base), 0, 0x100})
      .u32("interrupts", irq)
      .end_node();
}

// Proves stdout-path "serial0:115200n8" resolves through /aliases and the options are ignored.
TEST(DtHandBuilt, StdoutPathThroughAlias) {
  FdtBuilder b;
  begin_machine(b, {0});
  b.begin_node("aliases").string("serial0", "/soc/serial@10001000").end_node();
  b.begin_node("chosen").string("stdout-path", "serial0:115200n8").end_node();
  begin_soc(b);
  uart_node(b, "serial@10000000", {"ns16550a"}, 0x10000000, 5);
  b.begin_node("serial@10001000")
      .strings("compatible", {"vendor,uart", "snps,dw-apb-uart"})
      .cells("reg", {0, 0x10001000, 0, 0x400})
      .u32("reg-shift", 2)
      .u32("reg-io-width", 4)
      .u64("clock-frequency", 50000000)  // an 8-byte value is accepted too
      .u32("interrupts", 6)
      .end_node();
  b.end_node().end_node();
  auto o = run_ok(b.build());
  const Uart& uart = o->machine.uart;
  EXPECT_EQ(uart.kind, UartKind::DwApb);
  EXPECT_EQ(uart.base, 0x10001000u);
  EXPECT_EQ(uart.size, 0x400u);
  EXPECT_EQ(uart.reg_shift, 2u);
  EXPECT_EQ(uart.reg_io_width, 4u);
  EXPECT_EQ(uart.clock_hz, 50000000u);
  EXPECT_EQ(uart.irq, 6u);
  EXPECT_STREQ(uart.compatible, "snps,dw-apb-uart");
  EXPECT_STREQ(uart.path, "/soc/serial@10001000");
  EXPECT_STREQ(o->machine.chosen.stdout_path, "serial0:115200n8");
}

// Proves hart ids need not be contiguous: harts 1, 3 and 8 are found by id and get their own PLIC contexts.
TEST(DtHandBuilt, NonContiguousHartIds) {
  FdtBuilder b;
  begin_machine(b, {1, 3, 8});
  begin_soc(b);
  // Contexts deliberately out of any arithmetic pattern: hart 8 owns context 0.
  b.begin_node("interrupt-controller@c000000")
      .strings("compatible", {"riscv,plic0"})
      .cells("reg", {0, 0x0c000000, 0, 0x4000000})
      .u32("riscv,ndev", 31)
      .u32("phandle", 0x50)
      .cells("interrupts-extended", {0x108, 9, 0x101, 11, 0x101, 9, 0x103, 0xffffffff, 0x103, 9})
      .end_node();
  b.end_node().end_node();
  auto o = run_ok(b.build());
  const Machine& m = o->machine;
  ASSERT_EQ(m.hart_count, 3u);
  EXPECT_EQ(m.harts[0].hartid, 1u);
  EXPECT_EQ(m.harts[1].hartid, 3u);
  EXPECT_EQ(m.harts[2].hartid, 8u);
  ASSERT_NE(m.find_hart(8), nullptr);
  EXPECT_EQ(m.find_hart(8)->intc_phandle, 0x108u);
  EXPECT_EQ(m.find_hart(8)->plic_s_context, 0u);
  EXPECT_EQ(m.find_hart(1)->plic_s_context, 2u);
  EXPECT_EQ(m.find_hart(3)->plic_s_context, 4u);
  EXPECT_EQ(m.find_hart(0), nullptr);
  EXPECT_EQ(m.find_hart(2), nullptr);
  EXPECT_EQ(m.plic.ndev, 31u);
  EXPECT_EQ(m.plic.phandle, 0x50u);
}

// Proves reservations come from both the reservation block and /reserved-memory children with reg (size-only children skipped).
TEST(DtHandBuilt, ReservedMemory) {
  FdtBuilder b;
  b.reserve(0x87000000, 0x10000).reserve(0x88000000, 0);  // the zero-sized one is dropped
  begin_machine(b, {0});
  b.begin_node("reserved-memory").u32("#address-cells", 2).u32("#size-cells", 2).empty("ranges");
  b.begin_node("mmode_resv0@80000000").cells("reg", {0, 0x80000000, 0, 0x40000}).empty("no-map").end_node();
  b.begin_node("mmode_resv1@80040000").cells("reg", {0, 0x80040000, 0, 0x20000, 0, 0x80100000, 0, 0x1000})
      .empty("no-map").end_node();
  b.begin_node("linux,cma").string("compatible", "shared-dma-pool").u64("size", 0x4000000).empty("reusable")
      .end_node();
  b.begin_node("disabled@80200000").cells("reg", {0, 0x80200000, 0, 0x1000}).string("status", "disabled")
      .end_node();
  b.end_node();
  b.end_node();
  auto o = run_ok(b.build());
  const Machine& m = o->machine;
  ASSERT_EQ(m.reserved_count, 5u);
  EXPECT_EQ(m.reserved[0].base, 0x87000000u);
  EXPECT_EQ(m.reserved[0].size, 0x10000u);
  EXPECT_EQ(m.reserved[1].base, 0x80000000u);
  EXPECT_EQ(m.reserved[1].size, 0x40000u);
  EXPECT_EQ(m.reserved[2].base, 0x80040000u);
  EXPECT_EQ(m.reserved[3].base, 0x80100000u);
  EXPECT_EQ(m.reserved[3].end(), 0x80101000u);
  EXPECT_EQ(m.reserved[4].base, 0x80200000u);  // status is ignored: when unsure, keep off
}

// Proves that more reservations than the table holds is an error, not a silent drop.
TEST(DtHandBuilt, TooManyReservationsIsAnError) {
  FdtBuilder b;
  for (uint64_t i = 0; i <= kMaxReservedRanges; ++i) b.reserve(0x90000000 + i * 0x1000, 0x1000);
  begin_machine(b, {0}).end_node();
  auto o = run(b.build());
  EXPECT_EQ(o->result.error(), Error::Overflow);
  EXPECT_NE(std::string(o->machine.error).find("reserved"), std::string::npos) << o->machine.error;
}

// Proves that with no stdout-path the console is the first enabled supported UART in tree order.
TEST(DtHandBuilt, UartFallsBackToFirstSupportedInTreeOrder) {
  FdtBuilder b;
  begin_machine(b, {0});
  begin_soc(b);
  uart_node(b, "serial@9000000", {"arm,pl011"}, 0x9000000, 1);  // no driver
  b.begin_node("serial@10000000").string("compatible", "ns16550a").cells("reg", {0, 0x10000000, 0, 0x100})
      .string("status", "disabled").end_node();
  uart_node(b, "serial@10010000", {"sifive,fu740-c000-uart", "sifive,uart0"}, 0x10010000, 39);
  uart_node(b, "serial@10020000", {"ns16550"}, 0x10020000, 40);
  b.end_node().end_node();
  auto o = run_ok(b.build());
  EXPECT_EQ(o->machine.uart.kind, UartKind::Sifive);
  EXPECT_EQ(o->machine.uart.base, 0x10010000u);
  EXPECT_EQ(o->machine.uart.irq, 39u);
  EXPECT_EQ(o->machine.uart.reg_io_width, 1u);  // defaults
  EXPECT_EQ(o->machine.uart.reg_shift, 0u);
  EXPECT_STREQ(o->machine.uart.compatible, "sifive,uart0");
}

// Proves a stdout-path naming an unsupported device, or nothing at all, falls back to the first supported UART.
TEST(DtHandBuilt, StdoutPathToUnsupportedDeviceFallsBack) {
  for (const char* stdout_path : {"/soc/serial@9000000", "/soc/missing@1", "nosuchalias", "serial1:9600"}) {
    FdtBuilder b;
    begin_machine(b, {0});
    b.begin_node("aliases").string("serial1", "/soc/serial@9000000").end_node();
    b.begin_node("chosen").string("stdout-path", stdout_path).end_node();
    begin_soc(b);
    uart_node(b, "serial@9000000", {"arm,pl011"}, 0x9000000, 1);
    uart_node(b, "serial@10000000", {"ns16550"}, 0x10000000, 10);
    b.end_node().end_node();
    auto o = run_ok(b.build());
    EXPECT_EQ(o->machine.uart.kind, UartKind::Ns16550a) << stdout_path;
    EXPECT_EQ(o->machine.uart.base, 0x10000000u) << stdout_path;
    EXPECT_STREQ(o->machine.uart.compatible, "ns16550") << stdout_path;
  }
}

// Proves a machine without any supported UART still discovers, with UartKind::None.
TEST(DtHandBuilt, NoUartIsNotAnError) {
  FdtBuilder b;
  begin_machine(b, {0}).end_node();
  auto o = run_ok(b.build());
  EXPECT_EQ(o->machine.uart.kind, UartKind::None);
  EXPECT_FALSE(o->machine.plic.present);
  EXPECT_EQ(o->machine.harts[0].plic_s_context, kNoContext);
}

// Proves the console's address is translated through a bus's non-empty ranges.
TEST(DtHandBuilt, DevicesBehindTranslatingBus) {
  FdtBuilder b;
  begin_machine(b, {0});
  b.begin_node("aliases").string("serial0", "/bus/serial@1000").end_node();
  b.begin_node("chosen").string("stdout-path", "serial0").end_node();
  b.begin_node("bus")
      .u32("#address-cells", 1)
      .u32("#size-cells", 1)
      .cells("ranges", {0x0, 0x0, 0x30000000, 0x10000});
  b.begin_node("serial@1000").string("compatible", "ns16550a").cells("reg", {0x1000, 0x100}).end_node();
  b.begin_node("virtio@2000").string("compatible", "virtio,mmio").cells("reg", {0x2000, 0x200})
      .u32("interrupts", 3).end_node();
  b.begin_node("virtio@20000").string("compatible", "virtio,mmio").cells("reg", {0x20000, 0x200})
      .u32("interrupts", 4).end_node();
  b.end_node();
  b.end_node();
  auto o = run_ok(b.build());
  EXPECT_EQ(o->machine.uart.base, 0x30001000u);
  EXPECT_STREQ(o->machine.uart.path, "/bus/serial@1000");
}

// Proves sstc is found as an underscore-separated riscv,isa extension (any case) or in riscv,isa-extensions, and not as a prefix.
TEST(DtHandBuilt, SstcDetection) {
  struct Case {
    const char* isa;
    bool in_extension_list;
    bool expected;
  };
  const Case cases[] = {
      {"rv64imafdc_zicsr_sstc", false, true},
      {"rv64imafdc_SSTC_zicsr", false, true},
      {"rv64imafdc_Sstc", false, true},
      {"rv64imafdc_sstcx", false, false},
      {"rv64imafdc_xsstc", false, false},
      {"rv64imafdcsstc", false, false},  // not underscore-separated
      {"sstc", false, false},            // the base component is not an extension
      {"rv64imafdc__sstc", false, true},
      {"rv64imafdc", true, true},
      {"rv64imafdc", false, false},
  };
  for (const Case& c : cases) {
    FdtBuilder b;
    b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
    b.begin_node("memory@0").string("device_type", "memory").cells("reg", {0, 0, 0, 0x1000000}).end_node();
    b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", 1000);
    b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).string("riscv,isa", c.isa)
        .string("mmu-type", "riscv,sv39");
    if (c.in_extension_list) b.strings("riscv,isa-extensions", {"i", "m", "a", "zicsr", "sstc"});
    b.end_node().end_node().end_node();
    auto o = run_ok(b.build());
    EXPECT_EQ(o->machine.harts[0].sstc, c.expected) << c.isa;
  }
}

// Proves mmu-type and status decide usability: sv39/48/57 run Rivet, riscv,none or absent do not, disabled harts are not okay.
TEST(DtHandBuilt, MmuTypeAndStatus) {
  struct Case {
    const char* mmu_type;  // nullptr: absent
    const char* status;    // nullptr: absent
    bool okay;
    bool sv39;
  };
  const Case cases[] = {
      {"riscv,sv39", nullptr, true, true},  {"riscv,sv48", "okay", true, true},
      {"riscv,sv57", "ok", true, true},     {"riscv,none", "okay", true, false},
      {nullptr, "okay", true, false},       {"riscv,sv39", "disabled", false, true},
      {"riscv,sv39", "fail", false, true},  {"riscv,sv32", "okay", true, false},
  };
  for (const Case& c : cases) {
    FdtBuilder b;
    b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
    b.begin_node("memory@0").string("device_type", "memory").cells("reg", {0, 0, 0, 0x1000000}).end_node();
    b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", 1000);
    b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).string("riscv,isa", "rv64gc");
    if (c.mmu_type) b.string("mmu-type", c.mmu_type);
    if (c.status) b.string("status", c.status);
    b.end_node().end_node().end_node();
    auto o = run_ok(b.build());
    const Hart& hart = o->machine.harts[0];
    std::string label = std::string(c.mmu_type ? c.mmu_type : "-") + "/" + (c.status ? c.status : "-");
    EXPECT_EQ(hart.okay, c.okay) << label;
    EXPECT_EQ(hart.sv39, c.sv39) << label;
    EXPECT_EQ(hart.usable(), c.okay && c.sv39) << label;
    EXPECT_STREQ(hart.mmu_type, c.mmu_type ? c.mmu_type : "") << label;
  }
}

// Proves the timebase may be an 8-byte value and may come from the first cpu node that has one.
TEST(DtHandBuilt, TimebaseFromCpuNodeAndEightBytes) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 1).u32("#size-cells", 1);
  b.begin_node("memory").string("device_type", "memory").cells("reg", {0x80000000, 0x1000000}).end_node();
  b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
  b.begin_node("cpu-map").end_node();
  b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).end_node();
  b.begin_node("cpu@1").string("device_type", "cpu").u32("reg", 1).u64("timebase-frequency", 0x100000000)
      .end_node();
  b.begin_node("cpu@2").string("device_type", "cpu").u32("reg", 2).u32("timebase-frequency", 5).end_node();
  b.end_node().end_node();
  auto o = run_ok(b.build());
  EXPECT_EQ(o->machine.timebase_hz, 0x100000000u);
  EXPECT_EQ(o->machine.hart_count, 3u);
  ASSERT_EQ(o->machine.memory_count, 1u);
  EXPECT_EQ(o->machine.memory[0].base, 0x80000000u);  // 1-cell root addresses
  EXPECT_EQ(o->machine.memory[0].size, 0x1000000u);
}

// Proves /chosen bootargs, 4- and 8-byte initrd bounds and boot-hartid are read, and long strings are truncated safely.
TEST(DtHandBuilt, Chosen) {
  for (bool eight_bytes : {false, true}) {
    FdtBuilder b;
    begin_machine(b, {0});
    std::string long_args(400, 'x');
    b.begin_node("chosen").string("bootargs", long_args);
    if (eight_bytes) {
      b.u64("linux,initrd-start", 0x88000000).u64("linux,initrd-end", 0x88200000);
    } else {
      b.u32("linux,initrd-start", 0x88000000).u32("linux,initrd-end", 0x88200000);
    }
    b.u32("boot-hartid", 0);
    b.end_node().end_node();
    auto o = run_ok(b.build());
    const Chosen& c = o->machine.chosen;
    EXPECT_EQ(std::string(c.bootargs), std::string(sizeof(c.bootargs) - 1, 'x'));
    EXPECT_TRUE(c.has_initrd);
    EXPECT_EQ(c.initrd_start, 0x88000000u);
    EXPECT_EQ(c.initrd_end, 0x88200000u);
    EXPECT_TRUE(c.has_boot_hartid);
    EXPECT_EQ(c.boot_hartid, 0u);
  }
}

// Proves an initrd with only a start, or with end before start, is not reported.
TEST(DtHandBuilt, IncompleteInitrdIgnored) {
  FdtBuilder b;
  begin_machine(b, {0});
  b.begin_node("chosen").u32("linux,initrd-start", 0x88000000).u32("linux,initrd-end", 0x87000000)
      .string("bootargs", "console=ttyS0").end_node();
  b.end_node();
  auto o = run_ok(b.build());
  EXPECT_FALSE(o->machine.chosen.has_initrd);
  EXPECT_STREQ(o->machine.chosen.bootargs, "console=ttyS0");
}

// Proves an initrd whose bounds leave RAM (the test machine has 256 MiB at
// 0x80000000) is not reported, so the kernel never reads it through the
// direct map, while one that ends exactly at the end of RAM is.
TEST(DtHandBuilt, InitrdOutsideMemoryIgnored) {
  struct Case {
    uint64_t start, end;
    bool usable;
  };
  for (Case c : {Case{0x8ff00000, 0x90000000, true}, Case{0x8ff00000, 0x90001000, false},
                 Case{0x40000000, 0x40200000, false}, Case{0x7ffff000, 0x80001000, false},
                 Case{0xfffffffffffff000ull, 0xffffffffffffffffull, false}}) {
    FdtBuilder b;
    begin_machine(b, {0});
    b.begin_node("chosen").u64("linux,initrd-start", c.start).u64("linux,initrd-end", c.end).end_node();
    b.end_node();
    auto o = run_ok(b.build());
    EXPECT_EQ(o->machine.chosen.has_initrd, c.usable) << std::hex << c.start << ".." << c.end;
    EXPECT_EQ(o->machine.chosen.initrd_outside_memory, !c.usable) << std::hex << c.start << ".." << c.end;
  }
}

// Proves long ISA strings, model and compatible are truncated with a terminating NUL, while sstc is still seen past the cut.
TEST(DtHandBuilt, LongStringsAreTruncated) {
  FdtBuilder b;
  std::string isa = "rv64imafdc" + std::string(200, 'z').insert(0, "_") + "_sstc";
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2).string("model", std::string(300, 'm'))
      .strings("compatible", {std::string(100, 'c'), "second"});
  b.begin_node("memory@0").string("device_type", "memory").cells("reg", {0, 0, 0, 0x1000000}).end_node();
  b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", 1000);
  b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).string("riscv,isa", isa)
      .string("mmu-type", "riscv,sv39-with-a-very-long-suffix").end_node();
  b.end_node().end_node();
  auto o = run_ok(b.build());
  const Machine& m = o->machine;
  EXPECT_EQ(std::string(m.model), std::string(sizeof(m.model) - 1, 'm'));
  EXPECT_EQ(std::string(m.compatible), std::string(sizeof(m.compatible) - 1, 'c'));
  EXPECT_EQ(std::string(m.harts[0].isa), isa.substr(0, sizeof(m.harts[0].isa) - 1));
  EXPECT_TRUE(m.harts[0].sstc);
  EXPECT_FALSE(m.harts[0].sv39);
  EXPECT_EQ(std::string(m.harts[0].mmu_type), std::string("riscv,sv39-with-a-very-long-suffix").substr(0, 15));
}

// Proves several memory nodes and multi-entry reg are all collected, skipping zero-sized and disabled ranges.
TEST(DtHandBuilt, SeveralMemoryRanges) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
  b.begin_node("memory@80000000").string("device_type", "memory")
      .cells("reg", {0, 0x80000000, 0, 0x40000000, 0, 0xc0000000, 0, 0, 0x1, 0, 0x1, 0}).end_node();
  b.begin_node("memory@1000000000").string("device_type", "memory").cells("reg", {0x10, 0, 0, 0x1000}).end_node();
  b.begin_node("memory@2000000000").string("device_type", "memory").string("status", "disabled")
      .cells("reg", {0x20, 0, 0, 0x1000}).end_node();
  b.begin_node("sram@0").cells("reg", {0, 0, 0, 0x1000}).end_node();  // no device_type: not memory
  b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", 1000);
  b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).end_node();
  b.end_node().end_node();
  auto o = run_ok(b.build());
  const Machine& m = o->machine;
  ASSERT_EQ(m.memory_count, 3u);
  EXPECT_EQ(m.memory[0].base, 0x80000000u);
  EXPECT_EQ(m.memory[1].base, 0x100000000u);
  EXPECT_EQ(m.memory[1].size, 0x100000000u);
  EXPECT_EQ(m.memory[2].base, 0x1000000000u);
}

// Proves a tree with no usable memory is NotFound with a reason.
TEST(DtHandBuilt, MissingMemoryIsNotFound) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
  b.begin_node("memory@80000000").string("device_type", "memory").cells("reg", {0, 0x80000000, 0, 0}).end_node();
  b.begin_node("cpus").u32("timebase-frequency", 1000).u32("#address-cells", 1).u32("#size-cells", 0);
  b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).end_node();
  b.end_node().end_node();
  auto o = run(b.build());
  EXPECT_EQ(o->result.error(), Error::NotFound);
  EXPECT_NE(std::string(o->machine.error).find("memory"), std::string::npos) << o->machine.error;
}

// Proves a tree with no /cpus, or a /cpus without cpu nodes, is NotFound with a reason.
TEST(DtHandBuilt, MissingCpusIsNotFound) {
  for (bool with_cpus_node : {false, true}) {
    FdtBuilder b;
    b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
    b.begin_node("memory@0").string("device_type", "memory").cells("reg", {0, 0, 0, 0x1000}).end_node();
    if (with_cpus_node) {
      b.begin_node("cpus").u32("timebase-frequency", 1000);
      b.begin_node("cpu-map").end_node();
      b.end_node();
    }
    b.end_node();
    auto o = run(b.build());
    EXPECT_EQ(o->result.error(), Error::NotFound);
    EXPECT_NE(std::string(o->machine.error).find("cpus"), std::string::npos) << o->machine.error;
  }
}

// Proves a tree with no timebase-frequency anywhere is NotFound with a reason.
TEST(DtHandBuilt, MissingTimebaseIsNotFound) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
  b.begin_node("memory@0").string("device_type", "memory").cells("reg", {0, 0, 0, 0x1000}).end_node();
  b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
  b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).end_node();
  b.end_node().end_node();
  auto o = run(b.build());
  EXPECT_EQ(o->result.error(), Error::NotFound);
  EXPECT_NE(std::string(o->machine.error).find("timebase"), std::string::npos) << o->machine.error;
}

// Proves a hart id that appears twice makes the tree malformed.
TEST(DtHandBuilt, DuplicateHartIdIsMalformed) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
  b.begin_node("memory@0").string("device_type", "memory").cells("reg", {0, 0, 0, 0x1000}).end_node();
  b.begin_node("cpus").u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", 1);
  b.begin_node("cpu@0").string("device_type", "cpu").u32("reg", 0).end_node();
  b.begin_node("cpu@1").string("device_type", "cpu").u32("reg", 0).end_node();
  b.end_node().end_node();
  auto o = run(b.build());
  EXPECT_EQ(o->result.error(), Error::Malformed);
  EXPECT_NE(std::string(o->machine.error).find("twice"), std::string::npos) << o->machine.error;
}

// Proves a memory reg that is not a whole number of entries is Malformed, naming the node.
TEST(DtHandBuilt, RaggedMemoryRegIsMalformed) {
  FdtBuilder b;
  b.begin_node("").u32("#address-cells", 2).u32("#size-cells", 2);
  b.begin_node("memory@0").string("device_type", "memory").cells("reg", {0, 0, 0}).end_node();
  b.end_node();
  auto o = run(b.build());
  EXPECT_EQ(o->result.error(), Error::Malformed);
  EXPECT_NE(std::string(o->machine.error).find("/memory@0"), std::string::npos) << o->machine.error;
}

// Proves harts past the table's capacity are left out rather than failing discovery.
TEST(DtHandBuilt, MoreHartsThanTheTableHolds) {
  FdtBuilder b;
  begin_machine(b, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}).end_node();
  auto o = run_ok(b.build());
  EXPECT_EQ(o->machine.hart_count, kMaxHarts);
  EXPECT_EQ(o->machine.harts_in_tree, 18u);  // the boot log's "using 16 of 18 harts"
  EXPECT_NE(o->machine.find_hart(15), nullptr);
  EXPECT_EQ(o->machine.find_hart(16), nullptr);
}

// Proves a boot hart listed past the table's capacity keeps a slot (the
// last), since the kernel already runs on it; the others past it stay out.
TEST(DtHandBuilt, BootHartPastTheTableKeepsASlot) {
  static_assert(kMaxHarts < 32, "the tree below must list more harts than the table holds");
  FdtBuilder b;
  begin_machine(b, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}).end_node();
  auto o = std::make_unique<Outcome>();
  const uint32_t boot = 31;
  o->result = test::discover_copy(b.build(), o->machine, boot);
  ASSERT_TRUE(o->result.ok()) << o->machine.error;
  EXPECT_EQ(o->machine.hart_count, kMaxHarts);
  EXPECT_EQ(o->machine.harts_in_tree, 32u);
  EXPECT_NE(o->machine.find_hart(boot), nullptr);
  EXPECT_NE(o->machine.find_hart(kMaxHarts - 2), nullptr);
  EXPECT_EQ(o->machine.find_hart(kMaxHarts - 1), nullptr);
  EXPECT_EQ(o->machine.find_hart(kMaxHarts), nullptr);
}

// Proves an odd-length interrupts-extended on the PLIC is reported as malformed.
TEST(DtHandBuilt, RaggedPlicContextsAreMalformed) {
  FdtBuilder b;
  begin_machine(b, {0});
  begin_soc(b);
  b.begin_node("plic@c000000").string("compatible", "sifive,plic-1.0.0").cells("reg", {0, 0xc000000, 0, 0x1000})
      .cells("interrupts-extended", {0x100, 11, 0x100}).end_node();
  b.end_node().end_node();
  auto o = run(b.build());
  EXPECT_EQ(o->result.error(), Error::Malformed);
  EXPECT_NE(std::string(o->machine.error).find("interrupts-extended"), std::string::npos) << o->machine.error;
}

}  // namespace
}  // namespace rivet::dt
