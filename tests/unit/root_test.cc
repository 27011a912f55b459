// Tests of root selection (kernel/block/root.cc): every form of root= on the
// command line, how odd command lines are split, and which device wins, with
// the reason the boot banner prints.
#include "kernel/block/root.h"

#include <gtest/gtest.h>
#include <string.h>

#include <string>
#include <vector>

#include "kernel/fs/format.h"

namespace rivet::block {
namespace {

constexpr Guid kRootType = Guid::literal(fs::kRootPartitionTypeText);
constexpr Guid kUniqueA = Guid::literal("6A8D2F3C-9B1E-4F70-A2C4-1E5B7D9F0A11");
constexpr Guid kUniqueB = Guid::literal("0E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B");
constexpr Guid kUniqueC = Guid::literal("F00DF00D-1234-4567-89AB-CDEF01234567");
constexpr Guid kUniqueD = Guid::literal("12345678-9ABC-4DEF-8123-456789ABCDEF");

RootCandidate disk(const char* name, bool ram = false, bool rivet_fs = false) {
  RootCandidate c;
  c.name = name;
  c.ram_disk = ram;
  c.rivet_fs = rivet_fs;
  return c;
}

RootCandidate part(const char* name, const Guid& type, const Guid& unique, bool ram = false) {
  RootCandidate c;
  c.name = name;
  c.partition = true;
  c.ram_disk = ram;
  c.type = type;
  c.unique = unique;
  return c;
}

// A board with an SD card (p1..p4, p4 the Rivet root) and a virtio disk.
std::vector<RootCandidate> board() {
  return {disk("mmcblk0"),
          part("mmcblk0p1", guid::kHifiveFsbl, kUniqueA),
          part("mmcblk0p3", guid::kEfiSystem, kUniqueB),
          part("mmcblk0p4", kRootType, kUniqueC),
          disk("vda"),
          part("vda2", kRootType, kUniqueD)};
}

RootRequest parse_ok(const char* cmdline) {
  RootRequest r;
  auto result = parse_root_request(cmdline, r);
  EXPECT_TRUE(result.ok()) << cmdline << ": " << r.error;
  return r;
}

struct Picked {
  Error error;
  std::string name;
  std::string reason;
};

Picked pick(const char* cmdline, const std::vector<RootCandidate>& candidates) {
  RootChoice choice;
  auto r = choose_root(cmdline, candidates.data(), candidates.size(), choice);
  Picked p{r.ok() ? Error::None : r.error(), r.ok() ? candidates[choice.index].name : "", choice.reason};
  return p;
}

// Each name form of root= is understood; /dev/ is optional.
TEST(RootParse, NameForms) {
  struct Case {
    const char* cmdline;
    const char* name;
    const char* given;
  } cases[] = {
      {"root=/dev/mmcblk0p4", "mmcblk0p4", "/dev/mmcblk0p4"},
      {"root=mmcblk0p4", "mmcblk0p4", "mmcblk0p4"},
      {"root=vda2", "vda2", "vda2"},
      {"root=/dev/vda2", "vda2", "/dev/vda2"},
      {"root=ram0", "ram0", "ram0"},
      {"root=ram0p1", "ram0p1", "ram0p1"},
  };
  for (auto c : cases) {
    RootRequest r = parse_ok(c.cmdline);
    EXPECT_EQ(r.kind, RootRequest::Kind::Name) << c.cmdline;
    EXPECT_STREQ(r.name, c.name);
    EXPECT_STREQ(r.given, c.given);
    EXPECT_FALSE(r.rootwait);
  }
}

// PARTUUID takes the GUID in either case (or mixed).
TEST(RootParse, PartUuid) {
  for (const char* cmdline : {"root=PARTUUID=f00df00d-1234-4567-89ab-cdef01234567",
                              "root=PARTUUID=F00DF00D-1234-4567-89AB-CDEF01234567",
                              "root=PARTUUID=F00Df00d-1234-4567-89aB-cDEF01234567"}) {
    RootRequest r = parse_ok(cmdline);
    EXPECT_EQ(r.kind, RootRequest::Kind::PartUuid) << cmdline;
    EXPECT_EQ(r.partuuid, kUniqueC) << cmdline;
  }
}

// No root= (or no command line at all) asks for the automatic choice.
TEST(RootParse, NoRootIsAutomatic) {
  for (const char* cmdline : {"", "   ", "console=ttySIF0 quiet", "myroot=vda1", "root", "rootfstype=rivet",
                              "noroot=vda2"}) {
    RootRequest r = parse_ok(cmdline);
    EXPECT_EQ(r.kind, RootRequest::Kind::Automatic) << cmdline;
  }
  RootRequest r;
  EXPECT_TRUE(parse_root_request(nullptr, r).ok());
  EXPECT_EQ(r.kind, RootRequest::Kind::Automatic);
}

// rootwait is noted as a word of its own, with or without a value, and not
// when it is part of another word.
TEST(RootParse, Rootwait) {
  EXPECT_TRUE(parse_ok("root=vda2 rootwait").rootwait);
  EXPECT_TRUE(parse_ok("rootwait root=vda2").rootwait);
  EXPECT_TRUE(parse_ok("rootwait").rootwait);
  EXPECT_TRUE(parse_ok("rootwait=10 root=vda2").rootwait);
  EXPECT_FALSE(parse_ok("root=vda2 norootwait rootwaitx").rootwait);
  EXPECT_FALSE(parse_ok("root=vda2 -- rootwait").rootwait);
}

// Linux's splitting: any white space separates words, double quotes protect
// it (around the value or the whole word), the last root= wins, and "--"
// ends the kernel's arguments.
TEST(RootParse, OddCommandLines) {
  EXPECT_STREQ(parse_ok("  \t root=vda2  \n").name, "vda2");
  EXPECT_STREQ(parse_ok("console=ttyS0\troot=/dev/vda2\nrootwait").name, "vda2");
  EXPECT_STREQ(parse_ok("root=\"/dev/vda2\"").name, "vda2");
  EXPECT_STREQ(parse_ok("\"root=/dev/vda2\" quiet").name, "vda2");
  EXPECT_STREQ(parse_ok("init=\"/bin/sh -c x\" root=vda2").name, "vda2");
  EXPECT_STREQ(parse_ok("root=vda1 root=mmcblk0p4").name, "mmcblk0p4");
  EXPECT_STREQ(parse_ok("root=vda1 -- root=vda2").name, "vda1");
  EXPECT_EQ(parse_ok("-- root=vda2").kind, RootRequest::Kind::Automatic);
  // A malformed root= that a later one replaces does not matter.
  EXPECT_STREQ(parse_ok("root=PARTUUID=nonsense root=vda2").name, "vda2");
  // A quoted value keeps its space; no device has such a name.
  EXPECT_STREQ(parse_ok("root=\"vda 2\"").name, "vda 2");
  EXPECT_EQ(pick("root=\"vda 2\"", board()).error, Error::NotFound);
  // An unterminated quote runs to the end of the line.
  EXPECT_STREQ(parse_ok("root=\"vda2").name, "vda2");
}

// A PARTUUID that is not a 36-character GUID, or the zero GUID, is
// Invalid, with the value in the message.
TEST(RootParse, MalformedPartUuid) {
  const char* bad[] = {
      "PARTUUID=",
      "PARTUUID=F00DF00D-1234-4567-89AB-CDEF0123456",    // one digit short
      "PARTUUID=F00DF00D-1234-4567-89AB-CDEF012345678",  // one too many
      "PARTUUID=F00DF00D12344567-89AB-CDEF01234567xx",   // dashes misplaced
      "PARTUUID=G00DF00D-1234-4567-89AB-CDEF01234567",   // not hex
      "PARTUUID={F00DF00D-1234-4567-89AB-CDEF01234567}",
      "PARTUUID=0f0e0d0c-01",                             // an MBR PARTUUID
      "PARTUUID=00000000-0000-0000-0000-000000000000",
  };
  for (const char* value : bad) {
    std::string cmdline = std::string("root=") + value;
    RootRequest r;
    EXPECT_EQ(parse_root_request(cmdline.c_str(), r).error(), Error::Invalid) << cmdline;
    EXPECT_NE(std::string(r.error).find(std::string("root=") + value), std::string::npos) << r.error;
  }
  RootRequest r;
  EXPECT_EQ(parse_root_request("root=PARTUUID=F00DF00D-1234-4567-89AB-CDEF01234567/PARTNROFF=1", r).error(),
            Error::NotSupported);
  EXPECT_NE(std::string(r.error).find("PARTNROFF"), std::string::npos);
}

// Forms Rivet does not implement are refused as NotSupported; empty and
// over-long values as Invalid.
TEST(RootParse, UnsupportedAndInvalidForms) {
  for (const char* cmdline : {"root=UUID=1234-5678", "root=LABEL=rootfs", "root=PARTLABEL=root", "root=8:2",
                              "root=/dev/disk/by-partuuid/x", "root==vda2", "root=/dev/nfs/x"}) {
    RootRequest r;
    EXPECT_EQ(parse_root_request(cmdline, r).error(), Error::NotSupported) << cmdline;
    EXPECT_NE(r.error[0], '\0');
  }
  for (const char* cmdline : {"root=", "root=\"\"", "root=/dev/", "root=abcdefghijabcdefghijabcdefghij12"}) {
    RootRequest r;
    EXPECT_EQ(parse_root_request(cmdline, r).error(), Error::Invalid) << cmdline;
  }
  std::string huge = "root=" + std::string(1000, 'x');
  RootRequest r;
  EXPECT_EQ(parse_root_request(huge.c_str(), r).error(), Error::Invalid);
  EXPECT_LT(strlen(r.error), sizeof r.error);
  // The longest name that fits is accepted.
  std::string longest = "root=" + std::string(kMaxRootNameLength, 'n');
  EXPECT_TRUE(parse_root_request(longest.c_str(), r).ok());
}

// An explicit name picks exactly that device (a partition or a whole disk),
// ahead of any automatic choice; the reason quotes root= as given.
TEST(RootChoose, ExplicitName) {
  auto p = pick("root=/dev/mmcblk0p4", board());
  EXPECT_EQ(p.error, Error::None);
  EXPECT_EQ(p.name, "mmcblk0p4");
  EXPECT_EQ(p.reason, "root is mmcblk0p4 (root=/dev/mmcblk0p4)");
  EXPECT_EQ(pick("root=mmcblk0p4", board()).reason, "root is mmcblk0p4 (root=mmcblk0p4)");
  // Not the first Rivet root partition (mmcblk0p4), the one asked for.
  EXPECT_EQ(pick("root=vda2", board()).reason, "root is vda2 (root=vda2)");
  // Any partition type, and whole disks, may be named.
  EXPECT_EQ(pick("root=mmcblk0p1", board()).name, "mmcblk0p1");
  EXPECT_EQ(pick("root=vda", board()).name, "vda");
  // ram0 whether or not the caller found a file system on it.
  auto with_ram = board();
  with_ram.push_back(disk("ram0", true, false));
  EXPECT_EQ(pick("root=ram0", with_ram).reason, "root is ram0 (root=ram0)");
}

// An explicit name that matches nothing is NotFound, says what was asked
// for and what exists, and never falls back; names match exactly.
TEST(RootChoose, ExplicitNameMissing) {
  auto p = pick("root=/dev/sda1", board());
  EXPECT_EQ(p.error, Error::NotFound);
  EXPECT_EQ(p.reason, "root=/dev/sda1: no such device (have: mmcblk0 mmcblk0p1 mmcblk0p3 mmcblk0p4 vda vda2)");
  EXPECT_EQ(pick("root=vd", board()).error, Error::NotFound);
  EXPECT_EQ(pick("root=vda22", board()).error, Error::NotFound);
  EXPECT_EQ(pick("root=VDA2", board()).error, Error::NotFound);
  EXPECT_EQ(pick("root=mmcblk0p2", board()).error, Error::NotFound);
  auto none = pick("root=vda2", {});
  EXPECT_EQ(none.error, Error::NotFound);
  EXPECT_EQ(none.reason, "root=vda2: no such device (no block devices)");
}

// PARTUUID matches a partition's unique GUID in any case; whole disks have
// none; several matches (a cloned card) are reported.
TEST(RootChoose, PartUuid) {
  auto p = pick("root=PARTUUID=12345678-9abc-4def-8123-456789abcdef rootwait", board());
  EXPECT_EQ(p.error, Error::None);
  EXPECT_EQ(p.name, "vda2");
  EXPECT_EQ(p.reason, "root is vda2 (root=PARTUUID=12345678-9abc-4def-8123-456789abcdef)");

  auto missing = pick("root=PARTUUID=AAAAAAAA-9ABC-4DEF-8123-456789ABCDEF", board());
  EXPECT_EQ(missing.error, Error::NotFound);
  EXPECT_EQ(missing.reason.rfind("root=PARTUUID=AAAAAAAA-9ABC-4DEF-8123-456789ABCDEF: no partition has this GUID", 0),
            0u)
      << missing.reason;

  // A whole disk carrying the GUID in its record does not count.
  std::vector<RootCandidate> odd = {disk("vda")};
  odd[0].unique = kUniqueD;
  EXPECT_EQ(pick("root=PARTUUID=12345678-9ABC-4DEF-8123-456789ABCDEF", odd).error, Error::NotFound);

  auto cloned = board();
  cloned.push_back(disk("vdb"));
  cloned.push_back(part("vdb2", kRootType, kUniqueD));
  auto c = pick("root=PARTUUID=12345678-9ABC-4DEF-8123-456789ABCDEF", cloned);
  EXPECT_EQ(c.name, "vda2");
  EXPECT_EQ(c.reason,
            "root is vda2 (root=PARTUUID=12345678-9ABC-4DEF-8123-456789ABCDEF; 2 partitions carry it, took the first)");
}

// Without root=: the first Rivet root partition on a real disk, in the
// order given, even when a RAM disk comes first.
TEST(RootChoose, AutomaticPrefersRealDisks) {
  auto p = pick("console=ttySIF0", board());
  EXPECT_EQ(p.error, Error::None);
  EXPECT_EQ(p.name, "mmcblk0p4");
  EXPECT_EQ(p.reason, "root is mmcblk0p4 (first Rivet root partition)");

  std::vector<RootCandidate> ram_first = {disk("ram0", true, true), disk("ram1", true),
                                          part("ram1p1", kRootType, kUniqueA, true),
                                          disk("vda"), part("vda1", guid::kLinuxSwap, kUniqueB),
                                          part("vda2", kRootType, kUniqueD)};
  p = pick("", ram_first);
  EXPECT_EQ(p.name, "vda2");
  EXPECT_EQ(p.reason, "root is vda2 (first Rivet root partition)");
}

// Without root= and no Rivet root partition on a real disk: the RAM disk,
// as a bare file system (the caller's check) or through a GPT on it.
TEST(RootChoose, AutomaticFallsBackToTheInitrd) {
  std::vector<RootCandidate> bare = {disk("vda"), part("vda1", guid::kLinuxFilesystem, kUniqueA),
                                     disk("ram0", true, true)};
  auto p = pick(nullptr, bare);
  EXPECT_EQ(p.name, "ram0");
  EXPECT_EQ(p.reason, "root is ram0 (initrd; no Rivet root partition on any disk)");

  std::vector<RootCandidate> gpt = {disk("vda"), disk("ram0", true, false),
                                    part("ram0p1", guid::kEfiSystem, kUniqueA, true),
                                    part("ram0p2", kRootType, kUniqueB, true)};
  p = pick("", gpt);
  EXPECT_EQ(p.name, "ram0p2");
  EXPECT_EQ(p.reason, "root is ram0p2 (Rivet root partition on the initrd; none on any disk)");

  // A bare file system flag on a real whole disk is not consulted.
  std::vector<RootCandidate> real_bare = {disk("vda", false, true)};
  EXPECT_EQ(pick("", real_bare).error, Error::NotFound);
}

// Nothing suitable anywhere: NotFound with what exists.
TEST(RootChoose, AutomaticFindsNothing) {
  std::vector<RootCandidate> nothing = {disk("vda"), part("vda1", guid::kLinuxFilesystem, kUniqueA),
                                        disk("ram0", true, false)};
  auto p = pick("quiet", nothing);
  EXPECT_EQ(p.error, Error::NotFound);
  EXPECT_EQ(p.reason,
            "no root: no Rivet root partition on any disk and no Rivet file system in an initrd (have: vda vda1 ram0)");
  EXPECT_EQ(pick("", {}).reason,
            "no root: no Rivet root partition on any disk and no Rivet file system in an initrd (no block devices)");
}

// A parse error reaches choose_root's reason; the request form works too.
TEST(RootChoose, ParseErrorsReachTheReason) {
  auto p = pick("root=PARTUUID=xyz", board());
  EXPECT_EQ(p.error, Error::Invalid);
  EXPECT_EQ(p.reason.rfind("root=PARTUUID=xyz: not a GPT partition GUID", 0), 0u) << p.reason;
  RootRequest r = parse_ok("root=vda2 rootwait");
  auto candidates = board();
  RootChoice choice;
  ASSERT_TRUE(choose_root(r, candidates.data(), candidates.size(), choice).ok());
  EXPECT_EQ(choice.index, 5u);
}

// Many devices with long names: the reason is cut, never overflowed.
TEST(RootChoose, LongReasonsAreTruncated) {
  std::vector<std::string> names;
  for (int i = 0; i < 40; i++) names.push_back("mmcblk" + std::to_string(i) + "p" + std::to_string(100 + i));
  std::vector<RootCandidate> many;
  for (auto& n : names) many.push_back(part(n.c_str(), guid::kLinuxFilesystem, kUniqueA));
  auto p = pick("root=nothing", many);
  EXPECT_EQ(p.error, Error::NotFound);
  EXPECT_EQ(p.reason.size(), kRootMessageSize - 1);
}

// Linux partition names: "p" only after a trailing digit.
TEST(PartitionName, LinuxStyle) {
  char out[24];
  struct Case {
    const char* disk;
    uint32_t number;
    const char* name;
  } cases[] = {{"vda", 2, "vda2"},         {"mmcblk0", 4, "mmcblk0p4"}, {"ram0", 1, "ram0p1"},
               {"sda", 10, "sda10"},       {"nvme0n1", 3, "nvme0n1p3"}, {"mmcblk12", 128, "mmcblk12p128"}};
  for (auto c : cases) {
    ASSERT_TRUE(partition_name(c.disk, c.number, out, sizeof out).ok()) << c.disk;
    EXPECT_STREQ(out, c.name);
  }
  char small[6];
  EXPECT_EQ(partition_name("mmcblk0", 1, small, sizeof small).error(), Error::NameTooLong);
  EXPECT_EQ(strlen(small), sizeof small - 1);
  EXPECT_TRUE(partition_name("vda", 1, small, 5).ok());  // "vda1" and its NUL fit exactly
  EXPECT_EQ(partition_name("", 1, out, sizeof out).error(), Error::Invalid);
  EXPECT_EQ(partition_name(nullptr, 1, out, sizeof out).error(), Error::Invalid);
}

// Proves swap is the first Linux-swap partition on a real disk, and that a
// partition named as the root (root=vda3 on a partition typed swap) is never
// also taken as the swap area, which would overwrite the root file system.
TEST(RootChoose, SwapIsNeverTheRoot) {
  std::vector<RootCandidate> c = {disk("ram0", true),
                                  part("ram0p2", guid::kLinuxSwap, kUniqueA, true),
                                  disk("vda"),
                                  part("vda2", kRootType, kUniqueB),
                                  part("vda3", guid::kLinuxSwap, kUniqueC),
                                  part("vda4", guid::kLinuxSwap, kUniqueD)};
  auto none = choose_swap(c.data(), c.size(), c.size());
  ASSERT_TRUE(none.ok());
  EXPECT_STREQ(c[none.value()].name, "vda3");
  auto after_root = choose_swap(c.data(), c.size(), 3);
  ASSERT_TRUE(after_root.ok());
  EXPECT_STREQ(c[after_root.value()].name, "vda3");

  Picked root = pick("root=vda3", c);
  ASSERT_EQ(root.error, Error::None);
  ASSERT_EQ(root.name, "vda3");
  auto swap = choose_swap(c.data(), c.size(), 4);
  ASSERT_TRUE(swap.ok());
  EXPECT_STREQ(c[swap.value()].name, "vda4");

  c.pop_back();  // only the root carries the swap type
  EXPECT_EQ(choose_swap(c.data(), c.size(), 4).error(), Error::NotFound);
  EXPECT_EQ(choose_swap(c.data(), 2, 2).error(), Error::NotFound);  // the RAM disk's is never swap
}

}  // namespace
}  // namespace rivet::block
