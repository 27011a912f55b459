// The device tree as the driver model sees it: one generic record per node
// (path, compatible list, register ranges in CPU physical addresses,
// interrupts with their controller, phandle, parent and children, and any
// property by name), built once from the firmware's blob.
//
// Drivers are matched against these records and probed with them
// (kernel/driver/). A record stays valid as long as the blob it was built
// from, which the kernel keeps reserved for its whole life.
//
// Pure logic: compiled into the kernel and into the host unit tests. Nothing
// here can read outside the blob (fdt.h checks every access), and a node
// whose reg or interrupts cannot be decoded is kept with a note saying why,
// so a driver that needs them can refuse it by name instead of guessing.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dt/fdt.h"
#include "kernel/lib/result.h"

namespace rivet::driver {
struct Driver;
}

namespace rivet::dt {

inline constexpr uint32_t kMaxDevices = 512;      // nodes; the VisionFive 2 tree has ~120
inline constexpr uint32_t kMaxDeviceRegs = 4;      // reg entries kept per node
inline constexpr uint32_t kMaxDeviceIrqs = 4;      // interrupts kept per node
inline constexpr uint32_t kNoDevice = 0xffffffffu;

// One interrupt of a device: the controller it goes to (by phandle) and its
// specifier's first cell (the source number for the PLIC).
struct Interrupt {
  uint32_t controller = 0;
  uint32_t number = 0;
};

class DeviceTree;

struct Device {
  const DeviceTree* tree = nullptr;
  Node node;
  uint32_t index = kNoDevice;
  uint32_t parent = kNoDevice;
  uint32_t first_child = kNoDevice;
  uint32_t next_sibling = kNoDevice;
  uint32_t phandle = 0;
  bool available = false;  // status absent, "okay" or "ok"

  // reg, translated through every ancestor's ranges. reg_count counts the
  // entries kept; a non-empty reg_problem says why reg could not be used
  // (malformed, untranslatable), in which case reg_count is 0.
  RegEntry regs[kMaxDeviceRegs];
  uint32_t reg_count = 0;
  const char* reg_problem = "";

  // interrupts (with the interrupt-parent found by walking up the tree) or
  // interrupts-extended.
  Interrupt irqs[kMaxDeviceIrqs];
  uint32_t irq_count = 0;
  const char* irq_problem = "";

  // Set when a driver binds the node: the driver, and what it keeps there
  // (a bus for its children, a disk).
  const driver::Driver* driver = nullptr;
  void* driver_data = nullptr;

  const Fdt& fdt() const;
  const char* name() const;  // "spi@10050000"
  // Writes the full path; false if it had to be truncated.
  bool path(char* buffer, size_t capacity) const;
  Property property(const char* name) const;
  Property compatible() const { return property("compatible"); }
  bool is_compatible(const char* compatible) const;
  // A one-cell property; false if absent or not one cell.
  bool read_u32(const char* name, uint32_t& out) const;
  const Device* parent_device() const;
};

class DeviceTree {
 public:
  // Builds a record for every node of `fdt` in document order (parents
  // before children). Error::NoMemory with `why` set if the tree has more
  // than kMaxDevices nodes (the first kMaxDevices are kept and usable).
  Result<void> build(const Fdt& fdt, MessageBuilder& why);

  const Fdt& fdt() const { return fdt_; }
  uint32_t count() const { return count_; }
  Device& device(uint32_t index) { return devices_[index]; }
  const Device& device(uint32_t index) const { return devices_[index]; }
  Device* find_phandle(uint32_t phandle);
  Device* find_node(Node node);
  // The node the path names ("/soc/serial@10000000", or an alias).
  Device* find_path(const char* path, size_t length);

 private:
  void read_regs(Device& device);
  void read_interrupts(Device& device);
  uint32_t interrupt_parent(const Device& device) const;

  Fdt fdt_ = Fdt::empty();
  Device devices_[kMaxDevices];
  uint32_t last_child_[kMaxDevices];  // build()'s scratch: each node's last child so far
  uint32_t count_ = 0;
};

}  // namespace rivet::dt
