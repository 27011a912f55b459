#include "kernel/dt/device_tree.h"

namespace rivet::dt {

const Fdt& Device::fdt() const { return tree->fdt(); }

const char* Device::name() const {
  const char* n = fdt().name(node);
  return n ? n : "";
}

bool Device::path(char* buffer, size_t capacity) const { return fdt().path(node, buffer, capacity); }

Property Device::property(const char* name) const { return fdt().property(node, name); }

bool Device::is_compatible(const char* compatible) const { return fdt().is_compatible(node, compatible); }

bool Device::read_u32(const char* name, uint32_t& out) const { return property(name).as_u32(out); }

const Device* Device::parent_device() const {
  return parent == kNoDevice ? nullptr : &tree->device(parent);
}

Result<void> DeviceTree::build(const Fdt& fdt, MessageBuilder& why) {
  fdt_ = fdt;
  count_ = 0;
  // Document order visits a parent before its children, so a node's parent
  // is already recorded when the node is reached; `last_child` links the
  // children in order without a second pass.
  uint32_t* last_child = last_child_;
  bool truncated = false;
  for (Node node = fdt_.root(); node; node = fdt_.next_in_tree_order(node)) {
    if (count_ == kMaxDevices) {
      truncated = true;
      break;
    }
    Device& d = devices_[count_];
    d = Device{};
    d.tree = this;
    d.node = node;
    d.index = count_;
    d.phandle = fdt_.phandle(node);
    d.available = fdt_.is_available(node);
    last_child[count_] = kNoDevice;
    Node parent = fdt_.parent(node);
    if (parent) {
      // The parent is among the records already made; search backwards,
      // since it is usually close.
      for (uint32_t i = count_; i-- > 0;) {
        if (devices_[i].node == parent) {
          d.parent = i;
          if (last_child[i] == kNoDevice)
            devices_[i].first_child = count_;
          else
            devices_[last_child[i]].next_sibling = count_;
          last_child[i] = count_;
          break;
        }
      }
    }
    count_++;
  }
  // Registers and interrupts need the whole table (interrupt parents are
  // found by phandle, which may point forward).
  for (uint32_t i = 0; i < count_; i++) {
    read_regs(devices_[i]);
    read_interrupts(devices_[i]);
  }
  if (truncated) {
    why.text("dt: more than ").dec(kMaxDevices).text(" nodes; the rest are ignored");
    return Error::NoMemory;
  }
  return {};
}

Device* DeviceTree::find_phandle(uint32_t phandle) {
  if (phandle == 0) return nullptr;
  for (uint32_t i = 0; i < count_; i++)
    if (devices_[i].phandle == phandle) return &devices_[i];
  return nullptr;
}

Device* DeviceTree::find_node(Node node) {
  for (uint32_t i = 0; i < count_; i++)
    if (devices_[i].node == node) return &devices_[i];
  return nullptr;
}

Device* DeviceTree::find_path(const char* path, size_t length) {
  Node node = fdt_.find_path(path, length);
  return node ? find_node(node) : nullptr;
}

void DeviceTree::read_regs(Device& device) {
  if (!device.property("reg")) return;
  Result<uint32_t> count = fdt_.reg_count(device.node);
  if (!count) {
    device.reg_problem = count.error() == Error::Malformed ? "reg is not a whole number of entries"
                                                           : "reg cells are wider than 64 bits";
    return;
  }
  uint32_t n = count.value() < kMaxDeviceRegs ? count.value() : kMaxDeviceRegs;
  for (uint32_t i = 0; i < n; i++) {
    Result<RegEntry> entry = fdt_.cpu_reg(device.node, i);
    if (!entry) {
      device.reg_problem = entry.error() == Error::NotFound ? "reg is outside every parent bus's ranges"
                                                            : "reg cannot be translated";
      device.reg_count = 0;
      return;
    }
    device.regs[i] = entry.value();
  }
  device.reg_count = n;
}

// interrupt-parent, inherited from the nearest ancestor that has one.
uint32_t DeviceTree::interrupt_parent(const Device& device) const {
  for (const Device* d = &device; d; d = d->parent_device()) {
    uint32_t phandle = 0;
    if (d->read_u32("interrupt-parent", phandle)) return phandle;
  }
  return 0;
}

void DeviceTree::read_interrupts(Device& device) {
  Property extended = device.property("interrupts-extended");
  if (extended) {
    // (phandle, specifier...) tuples; each controller says how many cells
    // its specifier has.
    CellReader reader(extended);
    while (reader.remaining() > 0 && device.irq_count < kMaxDeviceIrqs) {
      uint64_t phandle = 0, number = 0;
      uint32_t cells = 0;
      Device* controller = nullptr;
      if (!reader.read(1, phandle) || !(controller = find_phandle(static_cast<uint32_t>(phandle))) ||
          !controller->read_u32("#interrupt-cells", cells) || cells == 0 || cells > 4 || !reader.read(1, number) ||
          !reader.skip(cells - 1)) {
        device.irq_problem = "interrupts-extended names no interrupt controller or is cut short";
        device.irq_count = 0;
        return;
      }
      device.irqs[device.irq_count++] = Interrupt{static_cast<uint32_t>(phandle), static_cast<uint32_t>(number)};
    }
    return;
  }
  Property interrupts = device.property("interrupts");
  if (!interrupts) return;
  uint32_t parent = interrupt_parent(device);
  Device* controller = find_phandle(parent);
  uint32_t cells = 0;
  if (!controller || !controller->read_u32("#interrupt-cells", cells) || cells == 0 || cells > 4) {
    device.irq_problem = "interrupts without an interrupt controller that says #interrupt-cells";
    return;
  }
  if (interrupts.size % (4 * cells) != 0) {
    device.irq_problem = "interrupts is not a whole number of specifiers";
    return;
  }
  CellReader reader(interrupts);
  while (reader.remaining() >= cells && device.irq_count < kMaxDeviceIrqs) {
    uint64_t number = 0;
    reader.read(1, number);
    reader.skip(cells - 1);
    device.irqs[device.irq_count++] = Interrupt{parent, static_cast<uint32_t>(number)};
  }
}

}  // namespace rivet::dt
