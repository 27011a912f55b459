// Choosing the root file system's block device, the way Linux lets the
// kernel command line (the device tree's /chosen bootargs) name it:
//
//   root=/dev/mmcblk0p4   root=mmcblk0p4   root=vda2   root=ram0
//   root=PARTUUID=<GPT unique partition GUID, either case>
//   rootwait              (the caller keeps looking until the device appears)
//
// An explicit root= must name a device that is present, or the choice fails
// with a message saying what was asked for: there is no silent fallback.
// Without root=, the root is the first partition of the Rivet root type on
// a real disk; failing that the RAM disk (the initrd): as a bare Rivet file
// system, else its first Rivet root partition.
//
// Pure: no heap, no logging. The kernel describes its block devices in
// RootCandidate records and prints RootChoice::reason in the boot banner.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/gpt.h"
#include "kernel/lib/result.h"

namespace rivet::block {

// Longest device name root= may give ("mmcblk10p128" needs 12).
inline constexpr size_t kMaxRootNameLength = 31;
// How much of the root= value is kept for messages.
inline constexpr size_t kMaxRootArgLength = 63;
inline constexpr size_t kRootMessageSize = 160;

// What the command line asks for.
struct RootRequest {
  enum class Kind : uint8_t {
    Automatic,  // no root=
    Name,       // root=NAME or root=/dev/NAME
    PartUuid,   // root=PARTUUID=GUID
  };
  Kind kind = Kind::Automatic;
  char name[kMaxRootNameLength + 1] = {};  // Kind::Name, without "/dev/"
  Guid partuuid;                           // Kind::PartUuid
  char given[kMaxRootArgLength + 1] = {};  // the root= value as written
  bool rootwait = false;                   // "rootwait" or "rootwait=..."
  // Why parsing failed, e.g. "root=PARTUUID=12: not a GPT partition GUID".
  char error[kRootMessageSize] = {};
};

// One block device the root could be, as the kernel found it.
struct RootCandidate {
  const char* name = nullptr;  // "vda", "vda2", "mmcblk0p4", "ram0", "ram0p1"
  bool partition = false;      // a partition (true) or a whole disk (false)
  bool ram_disk = false;       // the RAM disk or one of its partitions
  // The caller's own check (the file system's superblock magic) found a
  // Rivet file system on it. Only consulted for a whole RAM disk.
  bool rivet_fs = false;
  Guid type;                   // a partition's GPT type GUID
  Guid unique;                 // a partition's GPT unique GUID (its PARTUUID)
};

struct RootChoice {
  size_t index = 0;  // into the candidates, when a root was chosen
  // The banner line, "root is mmcblk0p4 (root=mmcblk0p4)", or why no root
  // could be chosen, "root=/dev/sda1: no such device (have: vda vda1)".
  char reason[kRootMessageSize] = {};
};

// Parses a kernel command line as Linux does: words separated by white
// space, double quotes protect white space (`root="/dev/vda2"`), "--" ends
// the kernel's part, and the last root= wins. A null or empty line asks for
// nothing. Errors (with request.error set): Invalid for an empty root=, a
// name too long or a malformed or zero PARTUUID; NotSupported for forms
// Rivet does not implement (UUID=, LABEL=, PARTLABEL=, PARTNROFF, major:minor,
// paths below /dev).
Result<void> parse_root_request(const char* cmdline, RootRequest& request);

// Picks the root among `candidates` (in the order the kernel found them:
// disks in registration order, each disk's partitions in table order).
// NotFound when nothing matches; `choice.reason` says why in every case.
Result<void> choose_root(const RootRequest& request, const RootCandidate* candidates, size_t count,
                         RootChoice& choice);

// The swap area: the first Linux-swap partition on a real disk (not the RAM
// disk), skipping candidate `root` (the chosen root's index, or `count` when
// there is none): a partition that root= names is never swapped over, even
// if its type says swap. NotFound when there is none.
Result<size_t> choose_swap(const RootCandidate* candidates, size_t count, size_t root);

// Both steps in one: a parse error's message lands in choice.reason.
Result<void> choose_root(const char* cmdline, const RootCandidate* candidates, size_t count, RootChoice& choice);

// The Linux name of partition `number` (1-based) of `disk`: a "p" separates
// two numbers (mmcblk0 -> mmcblk0p4, ram0 -> ram0p1), otherwise none
// (vda -> vda2). NameTooLong if it does not fit in `size` bytes (`out` is
// still NUL-terminated); Invalid for a null or empty disk name.
Result<void> partition_name(const char* disk, uint32_t number, char* out, size_t size);

}  // namespace rivet::block
