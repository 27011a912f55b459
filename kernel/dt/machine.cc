// Hardware discovery: distils the firmware's device tree into a Machine.
//
// The tree reader (fdt.h) guarantees that nothing here reads outside the
// blob; this file decides what the kernel believes about the machine, and
// which oddities are fatal. The rule of thumb: anything that could make the
// kernel hand out memory it must not touch (a reservation it cannot place, a
// memory range that wraps) fails discovery; a device it cannot describe is
// skipped, because the kernel can boot without it.
#include "kernel/dt/machine.h"

#include <new>
#include <type_traits>

#include "kernel/dt/fdt.h"

namespace rivet::dt {
namespace {

// The S-mode external interrupt's cause number, as a hart-local interrupt
// controller input in interrupts-extended.
constexpr uint32_t kSupervisorExternalInterrupt = 9;

struct UartType {
  const char* compatible;
  UartKind kind;
};

constexpr UartType kUartTypes[] = {
    {"ns16550a", UartKind::Ns16550a},
    {"ns16550", UartKind::Ns16550a},
    {"snps,dw-apb-uart", UartKind::DwApb},
    {"sifive,uart0", UartKind::Sifive},
};

constexpr const char* kPlicCompatibles[] = {"riscv,plic0", "sifive,plic-1.0.0", "starfive,jh7110-plic"};

constexpr const char* kSv39CapableMmuTypes[] = {"riscv,sv39", "riscv,sv48", "riscv,sv57"};

bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Copies at most `source_limit` bytes of `source`, truncating to fit and
// always NUL-terminating.
template <size_t N>
void copy_string(char (&destination)[N], const char* source, size_t source_limit) {
  size_t length = 0;
  while (length < source_limit && length + 1 < N && source[length] != '\0') ++length;
  __builtin_memcpy(destination, source, length);
  destination[length] = '\0';
}

// Copies a string property; leaves `destination` empty if it is not a string.
template <size_t N>
void copy_property(char (&destination)[N], const Property& property) {
  const char* value = property.as_string();
  if (value == nullptr) {
    destination[0] = '\0';
    return;
  }
  copy_string(destination, value, property.size);
}

// Whether an ISA string such as "rv64imafdch_zicsr_sstc" lists `extension`
// (lower case) among its underscore-separated multi-letter extensions.
bool isa_has_extension(const char* isa, size_t limit, const char* extension) {
  size_t position = 0;
  // The first component is the base ISA and single-letter extensions.
  while (position < limit && isa[position] != '\0' && isa[position] != '_') ++position;
  while (position < limit && isa[position] == '_') {
    ++position;
    size_t i = 0;
    while (position + i < limit && isa[position + i] != '\0' && isa[position + i] != '_' &&
           extension[i] != '\0' && lower(isa[position + i]) == extension[i]) {
      ++i;
    }
    bool component_ends = position + i >= limit || isa[position + i] == '\0' || isa[position + i] == '_';
    if (extension[i] == '\0' && component_ends) return true;
    while (position < limit && isa[position] != '\0' && isa[position] != '_') ++position;
  }
  return false;
}

bool fits_u32(uint64_t value) { return value <= 0xffffffffu; }

// Why Fdt::reg_count refused a reg property, for messages.
const char* reg_problem(Error error) {
  return error == Error::NotSupported ? "uses cells wider than 64 bits" : "is not a whole number of entries";
}

class MachineReader {
 public:
  MachineReader(const Fdt& fdt, Machine& out, MessageBuilder& why, int64_t boot_hartid)
      : fdt_(fdt), out_(out), why_(why), boot_hartid_(boot_hartid) {}

  Result<void> read_all() {
    read_identity();
    TRY(read_memory());
    TRY(read_reservations());
    TRY(read_harts());
    TRY(read_chosen());
    TRY(read_plic());
    read_console();
    return {};
  }

 private:
  void read_identity();
  Result<void> read_memory();
  Result<void> read_reservations();
  Result<void> add_reserved(uint64_t base, uint64_t size);
  Result<void> read_harts();
  Result<void> read_hart(Node cpu);
  Result<void> read_chosen();
  Result<void> read_plic();
  void read_console();
  bool describe_uart(Node node, Uart& uart);
  uint32_t first_interrupt(Node node);

  // Passes each entry of the node's `reg`, translated to a CPU physical
  // address, to fn (which returns Result<bool>: whether to go on); a node
  // without reg has none. A malformed reg, or an entry that cannot be translated, is
  // Error::Malformed, explained as "dt: <kind> node <path> ...".
  template <typename Fn>
  Result<void> each_reg_range(Node node, const char* kind, Fn&& fn) {
    Result<uint32_t> count = fdt_.reg_count(node);
    if (count.error() == Error::NotFound) return {};
    if (!count.ok()) {
      why_.text("dt: ").text(kind).text(" node ");
      path_text(node).text(": reg at struct offset ").hex(fdt_.property(node, "reg").offset).text(" ")
          .text(reg_problem(count.error()));
      return Error::Malformed;
    }
    for (uint32_t i = 0; i < count.value(); ++i) {
      Result<RegEntry> range = fdt_.cpu_reg(node, i);
      if (!range.ok()) {
        why_.text("dt: ").text(kind).text(" node ");
        path_text(node).text(" reg entry ").dec(i).text(" cannot be translated to a physical address");
        return Error::Malformed;
      }
      if (!TRY(fn(range.value()))) break;
    }
    return {};
  }

  // Appends the node's path to the message being built.
  MessageBuilder& path_text(Node node) {
    char path[96];
    fdt_.path(node, path, sizeof(path));
    return why_.text(path);
  }

  const Fdt& fdt_;
  Machine& out_;
  MessageBuilder& why_;
  int64_t boot_hartid_;  // -1: not known
};

void MachineReader::read_identity() {
  copy_property(out_.model, fdt_.property(fdt_.root(), "model"));
  StringList compatibles(fdt_.property(fdt_.root(), "compatible"));
  const char* first;
  if (compatibles.next(first)) copy_string(out_.compatible, first, sizeof(out_.compatible));
}

// Memory nodes are the root's children with device_type "memory"; each may
// list several ranges.
Result<void> MachineReader::read_memory() {
  for (Node node = fdt_.first_child(fdt_.root()); node; node = fdt_.next_sibling(node)) {
    const char* type = fdt_.property(node, "device_type").as_string();
    if (type == nullptr || !same(type, "memory") || !fdt_.is_available(node)) continue;
    // No reg describes nothing.
    TRY(each_reg_range(node, "memory", [&](const RegEntry& range) -> Result<bool> {
      if (range.size == 0) return true;
      if (range.address + range.size - 1 < range.address) {
        why_.text("dt: memory range ").hex(range.address).text(" size ").hex(range.size)
            .text(" wraps around the address space");
        return Error::Malformed;
      }
      // Past the table's capacity the extra memory simply goes unused.
      if (out_.memory_count == kMaxMemoryRanges) return false;
      out_.memory[out_.memory_count++] = Range{range.address, range.size};
      return true;
    }));
  }
  if (out_.memory_count == 0) {
    why_.text("dt: no memory: no node with device_type \"memory\" has a non-empty reg");
    return Error::NotFound;
  }
  return {};
}

Result<void> MachineReader::add_reserved(uint64_t base, uint64_t size) {
  if (size == 0) return {};
  if (base + size - 1 < base) {
    why_.text("dt: reserved range ").hex(base).text(" size ").hex(size).text(" wraps around the address space");
    return Error::Malformed;
  }
  // Unlike memory, a reservation cannot be dropped: the kernel would then
  // hand firmware's memory out as free.
  if (out_.reserved_count == kMaxReservedRanges) {
    why_.text("dt: more than ").dec(kMaxReservedRanges).text(" reserved ranges");
    return Error::Overflow;
  }
  out_.reserved[out_.reserved_count++] = Range{base, size};
  return {};
}

// Two sources: the header's memory-reservation block, and /reserved-memory,
// where OpenSBI records the memory it keeps for itself (as no-map children).
// A child with only a `size` asks the OS to choose a place; it reserves
// nothing yet and is skipped. Status is deliberately ignored: when unsure,
// leave memory alone.
Result<void> MachineReader::read_reservations() {
  for (uint32_t i = 0; i < fdt_.reservation_count(); ++i) {
    RegEntry entry = fdt_.reservation(i);
    TRY(add_reserved(entry.address, entry.size));
  }
  Node reserved_memory = fdt_.child(fdt_.root(), "reserved-memory");
  for (Node node = fdt_.first_child(reserved_memory); node; node = fdt_.next_sibling(node)) {
    if (!fdt_.property(node, "reg")) continue;
    TRY(each_reg_range(node, "reserved-memory",
                       [&](const RegEntry& range) -> Result<bool> {
                         TRY(add_reserved(range.address, range.size));
                         return true;
                       }));
  }
  return {};
}

Result<void> MachineReader::read_harts() {
  Node cpus = fdt_.child(fdt_.root(), "cpus");
  if (!cpus) {
    why_.text("dt: no /cpus node");
    return Error::NotFound;
  }
  uint64_t timebase = 0;
  fdt_.property(cpus, "timebase-frequency").as_u64(timebase);

  for (Node cpu = fdt_.first_child(cpus); cpu; cpu = fdt_.next_sibling(cpu)) {
    const char* type = fdt_.property(cpu, "device_type").as_string();
    if (type == nullptr || !same(type, "cpu")) continue;  // e.g. cpu-map
    // Some trees put timebase-frequency in each cpu node instead.
    if (timebase == 0) fdt_.property(cpu, "timebase-frequency").as_u64(timebase);
    // Harts past the table's capacity are counted but never started;
    // except the boot hart, which the kernel is already running on: it
    // takes the table's last slot (its console and timer need its entry).
    out_.harts_in_tree++;
    if (out_.hart_count == kMaxHarts) {
      Result<RegEntry> reg = fdt_.reg(cpu, 0);
      if (boot_hartid_ < 0 || !reg.ok() || reg->address != static_cast<uint64_t>(boot_hartid_)) continue;
      out_.harts[--out_.hart_count] = Hart{};
    }
    TRY(read_hart(cpu));
  }
  if (out_.hart_count == 0) {
    why_.text("dt: no cpus: /cpus has no node with device_type \"cpu\"");
    return Error::NotFound;
  }
  if (timebase == 0) {
    why_.text("dt: no timebase: neither /cpus nor any cpu node has a timebase-frequency");
    return Error::NotFound;
  }
  out_.timebase_hz = timebase;
  return {};
}

Result<void> MachineReader::read_hart(Node cpu) {
  Result<RegEntry> reg = fdt_.reg(cpu, 0);
  if (!reg.ok() || !fits_u32(reg->address)) {
    why_.text("dt: cpu node ");
    path_text(cpu).text(" has no usable reg (hart id)");
    return Error::Malformed;
  }
  uint32_t hartid = static_cast<uint32_t>(reg->address);
  if (out_.find_hart(hartid) != nullptr) {
    why_.text("dt: hart id ").dec(hartid).text(" appears twice (again at ");
    path_text(cpu).text(")");
    return Error::Malformed;
  }

  Hart& hart = out_.harts[out_.hart_count++];
  hart.hartid = hartid;
  hart.okay = fdt_.is_available(cpu);

  Property mmu_type = fdt_.property(cpu, "mmu-type");
  copy_property(hart.mmu_type, mmu_type);
  if (const char* value = mmu_type.as_string()) {
    for (const char* capable : kSv39CapableMmuTypes) {
      if (same(value, capable)) hart.sv39 = true;
    }
  }

  // Detect extensions on the full property, not the possibly truncated copy.
  Property isa = fdt_.property(cpu, "riscv,isa");
  copy_property(hart.isa, isa);
  if (const char* value = isa.as_string()) hart.sstc = isa_has_extension(value, isa.size, "sstc");
  if (fdt_.property(cpu, "riscv,isa-extensions").has_string_ignoring_case("sstc")) hart.sstc = true;

  for (Node child = fdt_.first_child(cpu); child; child = fdt_.next_sibling(child)) {
    if (fdt_.is_compatible(child, "riscv,cpu-intc")) {
      hart.intc_phandle = fdt_.phandle(child);
      break;
    }
  }
  return {};
}

Result<void> MachineReader::read_chosen() {
  Node chosen = fdt_.child(fdt_.root(), "chosen");
  if (!chosen) return {};
  Chosen& out = out_.chosen;
  copy_property(out.bootargs, fdt_.property(chosen, "bootargs"));
  Property stdout_path = fdt_.property(chosen, "stdout-path");
  if (!stdout_path) stdout_path = fdt_.property(chosen, "linux,stdout-path");
  copy_property(out.stdout_path, stdout_path);

  uint64_t start = 0;
  uint64_t end = 0;
  if (fdt_.property(chosen, "linux,initrd-start").as_u64(start) &&
      fdt_.property(chosen, "linux,initrd-end").as_u64(end) && end > start) {
    out.initrd_start = start;
    out.initrd_end = end;
    // The kernel reads the initrd through the direct map of RAM: bounds
    // outside every memory range (a boot loader's mistake) would fault.
    for (size_t i = 0; i < out_.memory_count && !out.has_initrd; i++) {
      const Range& r = out_.memory[i];
      out.has_initrd = start >= r.base && end - r.base <= r.size;
    }
    out.initrd_outside_memory = !out.has_initrd;
  }

  uint64_t boot_hartid = 0;
  if (fdt_.property(chosen, "boot-hartid").as_u64(boot_hartid) && fits_u32(boot_hartid)) {
    out.has_boot_hartid = true;
    out.boot_hartid = static_cast<uint32_t>(boot_hartid);
  }
  return {};
}

// interrupts-extended lists the PLIC's contexts in order: entry i is
// (phandle of a hart's interrupt controller, interrupt cause) for context i.
// Context numbering differs between SoCs (a hart without S-mode has only an
// M-mode context; some entries are 0xffffffff placeholders), so it is read,
// never computed. riscv,cpu-intc has #interrupt-cells = 1, so every entry is
// exactly two cells.
Result<void> MachineReader::read_plic() {
  Node plic;
  for (Node node = fdt_.root(); node && !plic; node = fdt_.next_in_tree_order(node)) {
    if (!fdt_.is_available(node)) continue;
    Property compatible = fdt_.property(node, "compatible");
    for (const char* name : kPlicCompatibles) {
      if (compatible.has_string(name)) plic = node;
    }
  }
  if (!plic) return {};

  Result<RegEntry> reg = fdt_.cpu_reg(plic, 0);
  if (!reg.ok()) {
    why_.text("dt: interrupt controller ");
    path_text(plic).text(" has no usable reg");
    return Error::Malformed;
  }
  out_.plic.present = true;
  out_.plic.base = reg->address;
  out_.plic.size = reg->size;
  fdt_.property(plic, "riscv,ndev").as_u32(out_.plic.ndev);
  out_.plic.phandle = fdt_.phandle(plic);

  Property contexts = fdt_.property(plic, "interrupts-extended");
  if (contexts.size % 8 != 0) {
    why_.text("dt: interrupts-extended at struct offset ").hex(contexts.offset).text(" of ");
    path_text(plic).text(" is not a list of (phandle, cause) pairs");
    return Error::Malformed;
  }
  CellReader cells(contexts);
  for (uint32_t context = 0; cells.remaining() >= 2; ++context) {
    uint64_t intc = 0;
    uint64_t cause = 0;
    cells.read(1, intc);
    cells.read(1, cause);
    if (cause != kSupervisorExternalInterrupt || intc == 0) continue;
    for (size_t i = 0; i < out_.hart_count; ++i) {
      Hart& hart = out_.harts[i];
      if (hart.intc_phandle == intc && hart.plic_s_context == kNoContext) hart.plic_s_context = context;
    }
  }
  return {};
}

// The PLIC source of a device: the first cell of `interrupts`, or the cause
// in an interrupts-extended that points at the PLIC.
uint32_t MachineReader::first_interrupt(Node node) {
  uint64_t irq = 0;
  CellReader interrupts(fdt_.property(node, "interrupts"));
  if (interrupts.read(1, irq)) return static_cast<uint32_t>(irq);
  CellReader extended(fdt_.property(node, "interrupts-extended"));
  uint64_t parent = 0;
  if (out_.plic.phandle != 0 && extended.read(1, parent) && parent == out_.plic.phandle && extended.read(1, irq)) {
    return static_cast<uint32_t>(irq);
  }
  return 0;
}

bool MachineReader::describe_uart(Node node, Uart& uart) {
  Property compatible = fdt_.property(node, "compatible");
  const UartType* type = nullptr;
  const char* matched = nullptr;
  StringList list(compatible);
  for (const char* name; type == nullptr && list.next(name);) {
    for (const UartType& candidate : kUartTypes) {
      if (same(name, candidate.compatible)) {
        type = &candidate;
        matched = name;
        break;
      }
    }
  }
  if (type == nullptr) return false;
  Result<RegEntry> reg = fdt_.cpu_reg(node, 0);
  if (!reg.ok()) return false;

  uart = Uart{};
  uart.kind = type->kind;
  uart.base = reg->address;
  uart.size = reg->size;
  fdt_.property(node, "reg-shift").as_u32(uart.reg_shift);
  fdt_.property(node, "reg-io-width").as_u32(uart.reg_io_width);
  uint64_t clock = 0;
  if (fdt_.property(node, "clock-frequency").as_u64(clock) && fits_u32(clock)) {
    uart.clock_hz = static_cast<uint32_t>(clock);
  }
  uart.irq = first_interrupt(node);
  copy_string(uart.compatible, matched, sizeof(uart.compatible));
  fdt_.path(node, uart.path, sizeof(uart.path));
  return true;
}

// The console is what stdout-path names (an absolute path or an alias, with
// any ":options" cut off). Failing that, the first enabled UART this kernel
// has a driver for, in tree order.
void MachineReader::read_console() {
  Node chosen = fdt_.child(fdt_.root(), "chosen");
  Property stdout_path = fdt_.property(chosen, "stdout-path");
  if (!stdout_path) stdout_path = fdt_.property(chosen, "linux,stdout-path");
  if (const char* path = stdout_path.as_string()) {
    size_t length = 0;
    while (length < stdout_path.size && path[length] != '\0' && path[length] != ':') ++length;
    Node node = fdt_.find_path(path, length);
    if (node && describe_uart(node, out_.uart)) return;
  }
  for (Node node = fdt_.root(); node; node = fdt_.next_in_tree_order(node)) {
    if (fdt_.is_available(node) && describe_uart(node, out_.uart)) return;
  }
}

// Kept sorted by base address, so the order does not depend on how the
// firmware happened to emit the nodes (QEMU lists them highest first).
}  // namespace

const Hart* Machine::find_hart(uint32_t hartid) const {
  for (size_t i = 0; i < hart_count; ++i) {
    if (harts[i].hartid == hartid) return &harts[i];
  }
  return nullptr;
}

uint32_t fdt_total_size(const void* header) {
  const uint8_t* bytes = static_cast<const uint8_t*>(header);
  auto load = [bytes](size_t at) {
    return (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) | (uint32_t{bytes[at + 2]} << 8) |
           uint32_t{bytes[at + 3]};
  };
  return load(0) == kFdtMagic ? load(4) : 0;
}

Result<void> discover(const void* blob, size_t blob_bytes, Machine& out, int64_t boot_hartid) {
  // Start from a clean Machine; rebuilding in place avoids a 4 KiB temporary
  // on the (small) kernel stack.
  static_assert(std::is_trivially_destructible_v<Machine>);
  new (&out) Machine();
  MessageBuilder why(out.error, sizeof(out.error));
  Result<Fdt> fdt = Fdt::open(blob, blob_bytes, why);
  if (!fdt.ok()) return fdt.error();
  return MachineReader(fdt.value(), out, why, boot_hartid).read_all();
}

}  // namespace rivet::dt
