// rivet-mkimage: builds a GPT disk image (SD card, virtio disk) on the host.
//
// The partition table is written by kernel/block/gpt.cc, the same code the
// kernel reads it with. Output is deterministic (GUIDs not given on the
// command line are derived from a seed), needs no privileges, and stays
// sparse: only the tables and the non-zero blocks of partition contents are
// written. The image appears under its name only once complete.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "kernel/block/gpt.h"
#include "sdcard/cli.h"

namespace {

using rivet::Error;
using rivet::Result;
using namespace rivet::block;

constexpr const char* kProgram = "rivet-mkimage";
constexpr uint64_t kAlignSectors = 2048;  // 1 MiB: where partitions start by default

const char kUsage[] =
    "usage: rivet-mkimage --out FILE --size SIZE --part SPEC [--part SPEC ...]\n"
    "                     [--seed TEXT] [--disk-guid GUID] [--quiet]\n"
    "\n"
    "Builds a GPT disk image: protective MBR, primary and backup partition\n"
    "tables, and the partition contents given with file=. Partitions are\n"
    "numbered 1, 2, ... in the order of the --part options.\n"
    "\n"
    "  --out FILE        image to write (replaced only once complete)\n"
    "  --size SIZE       size of the whole disk\n"
    "  --part SPEC       one partition, see below\n"
    "  --seed TEXT       seed for the GUIDs not given explicitly (default \"rivet\")\n"
    "  --disk-guid GUID  disk GUID (default: derived from the seed)\n"
    "  --quiet           do not print the layout\n"
    "  --help            show this text\n"
    "\n"
    "SPEC is a comma-separated list of KEY=VALUE items and flags:\n"
    "  type=TYPE    partition type, a GUID or one of: esp (or efi), basic-data,\n"
    "               linux, linux-swap (or swap), xbootldr, hifive-fsbl,\n"
    "               hifive-bbl                                      (required)\n"
    "  name=NAME    up to 36 printable ASCII characters (default: partN)\n"
    "  start=SIZE   first sector (default: the first 1 MiB boundary after the\n"
    "               previous partition, 2048 for the first)\n"
    "  size=SIZE    length (default: up to the end of the usable space)\n"
    "  guid=GUID    unique partition GUID (default: derived from the seed,\n"
    "               the partition number and the name)\n"
    "  bootable     set attribute bit 2, \"legacy BIOS bootable\", which U-Boot's\n"
    "               standard boot requires of the partitions it scans\n"
    "  attrs=BITS   further attribute bits (decimal or 0x hex), OR-ed in\n"
    "  file=PATH    copy PATH to the start of the partition; it must fit\n"
    "\n"
    "SIZE is a number of 512-byte sectors (plain, or with the suffix s), or a\n"
    "number of bytes with the suffix K, M, G or T (powers of 1024), which must\n"
    "be a whole number of sectors. Example:\n"
    "  rivet-mkimage --out sd.img --size 128M \\\n"
    "      --part name=boot,type=esp,start=16384,size=32M,bootable,file=boot.fat\n";

using rivet::cli::fail;
using rivet::cli::usage_error;

// ---- parsing values ------------------------------------------------------------

// Parses SIZE (see kUsage) into sectors; false if malformed or not whole sectors.
bool parse_size(const std::string& text, uint64_t* sectors, std::string* why) {
  uint64_t bytes;
  if (!rivet::cli::parse_size(text, kSectorSize, &bytes, why)) return false;
  if (bytes % kSectorSize != 0) {
    *why = "not a whole number of 512-byte sectors";
    return false;
  }
  *sectors = bytes / kSectorSize;
  return true;
}

// Attribute bits: decimal or 0x hex.
bool parse_bits(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long value = strtoull(text.c_str(), &end, 0);
  if (errno != 0 || *end != '\0' || text[0] == '-') return false;
  *out = value;
  return true;
}

struct TypeAlias {
  const char* name;
  Guid guid;
};

const TypeAlias kTypeAliases[] = {
    {"esp", guid::kEfiSystem},         {"efi", guid::kEfiSystem},
    {"basic-data", guid::kBasicData},  {"linux", guid::kLinuxFilesystem},
    {"linux-swap", guid::kLinuxSwap},  {"swap", guid::kLinuxSwap},
    {"xbootldr", guid::kXbootldr},     {"hifive-fsbl", guid::kHifiveFsbl},
    {"hifive-bbl", guid::kHifiveBbl},
};

bool parse_type(const std::string& text, Guid* out) {
  for (const TypeAlias& alias : kTypeAliases) {
    if (text == alias.name) {
      *out = alias.guid;
      return true;
    }
  }
  auto parsed = Guid::parse(text.c_str());
  if (!parsed.ok()) return false;
  *out = *parsed;
  return true;
}

const char* type_label(const Guid& type) {
  for (const TypeAlias& alias : kTypeAliases)
    if (alias.guid == type) return alias.name;
  return "";
}

std::string guid_text(const Guid& g) {
  char out[Guid::kTextLength + 1];
  g.format(out);
  return out;
}

// A GUID derived from the seed and a label: two 64-bit FNV-1a hashes,
// finished with the SplitMix64 mixer, marked as an RFC 9562 version-8
// ("custom") UUID. Not random, which is the point: the same command line
// gives the same image.
Guid derive_guid(const std::string& seed, const std::string& label) {
  std::string input = seed + '\0' + label;
  auto fnv = [&](uint64_t hash) {
    for (unsigned char c : input) hash = (hash ^ c) * 0x100000001B3ull;
    hash ^= hash >> 30;
    hash *= 0xBF58476D1CE4E5B9ull;
    hash ^= hash >> 27;
    hash *= 0x94D049BB133111EBull;
    return hash ^ (hash >> 31);
  };
  uint64_t high = fnv(0xCBF29CE484222325ull);
  uint64_t low = fnv(0x84222325CBF29CE4ull);
  // Build the text-order bytes, then let the parser put them in disk order.
  uint8_t text_order[16];
  for (int i = 0; i < 8; ++i) {
    text_order[i] = uint8_t(high >> (56 - 8 * i));
    text_order[8 + i] = uint8_t(low >> (56 - 8 * i));
  }
  text_order[6] = uint8_t((text_order[6] & 0x0F) | 0x80);  // version 8
  text_order[8] = uint8_t((text_order[8] & 0x3F) | 0x80);  // variant 10xx
  char text[Guid::kTextLength + 1];
  snprintf(text, sizeof text,
           "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
           text_order[0], text_order[1], text_order[2], text_order[3], text_order[4],
           text_order[5], text_order[6], text_order[7], text_order[8], text_order[9],
           text_order[10], text_order[11], text_order[12], text_order[13], text_order[14],
           text_order[15]);
  return *Guid::parse(text);
}

std::string human_size(uint64_t sectors) {
  uint64_t bytes = sectors * kSectorSize;
  char buf[64];
  if (bytes % (1ull << 30) == 0) snprintf(buf, sizeof buf, "%llu GiB", (unsigned long long)(bytes >> 30));
  else if (bytes % (1ull << 20) == 0) snprintf(buf, sizeof buf, "%llu MiB", (unsigned long long)(bytes >> 20));
  else if (bytes % (1ull << 10) == 0) snprintf(buf, sizeof buf, "%llu KiB", (unsigned long long)(bytes >> 10));
  else snprintf(buf, sizeof buf, "%llu B", (unsigned long long)bytes);
  return buf;
}

// ---- the command line ----------------------------------------------------------

struct PartSpec {
  std::string text;  // as given, for messages
  std::string name;
  bool has_type = false;
  Guid type;
  bool has_start = false;
  uint64_t start = 0;
  bool has_size = false;
  uint64_t size = 0;
  bool has_guid = false;
  Guid unique;
  uint64_t attributes = 0;
  std::string file;
  uint64_t file_bytes = 0;
};

struct Options {
  std::string out;
  bool has_size = false;
  uint64_t disk_sectors = 0;
  std::string seed = "rivet";
  bool has_disk_guid = false;
  Guid disk_guid;
  bool quiet = false;
  std::vector<PartSpec> parts;
};

PartSpec parse_part(const std::string& text, size_t number) {
  PartSpec spec;
  spec.text = text;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) usage_error("--part %zu: empty item in '%s'", number, text.c_str());
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    bool has_value = eq != std::string::npos;
    std::string why;

    if (key == "bootable") {
      if (has_value) usage_error("--part %zu: 'bootable' takes no value", number);
      spec.attributes |= kAttrLegacyBiosBootable;
      continue;
    }
    if (!has_value || value.empty())
      usage_error("--part %zu: '%s' needs a value (%s=...)", number, key.c_str(), key.c_str());
    if (key == "name") {
      if (value.size() > kNameLength)
        usage_error("--part %zu: name '%s' is longer than %zu characters", number, value.c_str(),
                    kNameLength);
      for (char c : value)
        if (c < 0x20 || c > 0x7e)
          usage_error("--part %zu: name '%s' is not printable ASCII", number, value.c_str());
      spec.name = value;
    } else if (key == "type") {
      if (!parse_type(value, &spec.type))
        usage_error("--part %zu: type '%s' is neither a GUID nor a known alias (esp, efi, "
                    "basic-data, linux, linux-swap, swap, xbootldr, hifive-fsbl, hifive-bbl)",
                    number, value.c_str());
      spec.has_type = true;
    } else if (key == "start") {
      if (!parse_size(value, &spec.start, &why))
        usage_error("--part %zu: start '%s': %s", number, value.c_str(), why.c_str());
      spec.has_start = true;
    } else if (key == "size") {
      if (!parse_size(value, &spec.size, &why))
        usage_error("--part %zu: size '%s': %s", number, value.c_str(), why.c_str());
      if (spec.size == 0) usage_error("--part %zu: size must not be zero", number);
      spec.has_size = true;
    } else if (key == "guid") {
      auto parsed = Guid::parse(value.c_str());
      if (!parsed.ok())
        usage_error("--part %zu: guid '%s' is not a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)",
                    number, value.c_str());
      spec.unique = *parsed;
      spec.has_guid = true;
    } else if (key == "attrs") {
      uint64_t bits;
      if (!parse_bits(value, &bits))
        usage_error("--part %zu: attrs '%s' is not a number", number, value.c_str());
      spec.attributes |= bits;
    } else if (key == "file") {
      spec.file = value;
    } else {
      usage_error("--part %zu: unknown item '%s' (known: name, type, start, size, guid, "
                  "bootable, attrs, file)",
                  number, key.c_str());
    }
  }
  if (!spec.has_type) usage_error("--part %zu: type=... is required", number);
  if (spec.name.empty()) spec.name = "part" + std::to_string(number);
  return spec;
}

Options parse_command_line(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool inline_value = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      inline_value = true;
    }
    auto take_value = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) usage_error("%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      fputs(kUsage, stdout);
      exit(0);
    } else if (arg == "--out") {
      opt.out = take_value();
      if (opt.out.empty()) usage_error("--out needs a file name");
    } else if (arg == "--size") {
      std::string text = take_value();
      std::string why;
      if (!parse_size(text, &opt.disk_sectors, &why))
        usage_error("--size '%s': %s", text.c_str(), why.c_str());
      opt.has_size = true;
    } else if (arg == "--part") {
      opt.parts.push_back(parse_part(take_value(), opt.parts.size() + 1));
    } else if (arg == "--seed") {
      opt.seed = take_value();
    } else if (arg == "--disk-guid") {
      std::string text = take_value();
      auto parsed = Guid::parse(text.c_str());
      if (!parsed.ok()) usage_error("--disk-guid '%s' is not a GUID", text.c_str());
      opt.disk_guid = *parsed;
      opt.has_disk_guid = true;
    } else if (arg == "--quiet" || arg == "-q") {
      opt.quiet = true;
    } else {
      usage_error("unknown argument '%s'", argv[i]);
    }
  }
  if (opt.out.empty()) usage_error("--out FILE is required");
  if (!opt.has_size) usage_error("--size SIZE is required");
  if (opt.parts.empty()) usage_error("at least one --part is required");
  if (opt.parts.size() > kEntryCount)
    usage_error("at most %u partitions fit in the table", kEntryCount);
  return opt;
}

// ---- layout ---------------------------------------------------------------------

// Turns the specs into partitions, filling in defaults and checking each
// against the disk and the ones before it with a message that says which.
std::vector<Partition> plan_layout(Options& opt) {
  if (opt.disk_sectors < kMinDiskSectors)
    usage_error("--size: a GPT disk needs at least %llu sectors",
                (unsigned long long)kMinDiskSectors);
  const uint64_t first_usable = kFirstUsableLba;
  const uint64_t last_usable = opt.disk_sectors - 2 - kEntryArraySectors;
  if (!opt.has_disk_guid) opt.disk_guid = derive_guid(opt.seed, "disk");

  std::vector<Partition> parts;
  uint64_t next_free = first_usable;
  for (size_t i = 0; i < opt.parts.size(); ++i) {
    PartSpec& spec = opt.parts[i];
    size_t number = i + 1;
    Partition p;
    p.index = uint32_t(i);
    p.type = spec.type;
    p.attributes = spec.attributes;
    snprintf(p.name, sizeof p.name, "%s", spec.name.c_str());
    p.unique = spec.has_guid ? spec.unique
                             : derive_guid(opt.seed, "part " + std::to_string(number) + " " + spec.name);

    if (spec.has_start) {
      p.first_lba = spec.start;
    } else {
      p.first_lba = (next_free + kAlignSectors - 1) / kAlignSectors * kAlignSectors;
    }
    if (p.first_lba < first_usable || p.first_lba > last_usable)
      usage_error("--part %zu (%s): start sector %llu is outside the usable sectors %llu..%llu",
                  number, p.name, (unsigned long long)p.first_lba,
                  (unsigned long long)first_usable, (unsigned long long)last_usable);
    if (spec.has_size) {
      if (spec.size - 1 > last_usable - p.first_lba)
        usage_error("--part %zu (%s): %s from sector %llu runs past the last usable sector %llu "
                    "(disk of %s)",
                    number, p.name, human_size(spec.size).c_str(),
                    (unsigned long long)p.first_lba, (unsigned long long)last_usable,
                    human_size(opt.disk_sectors).c_str());
      p.last_lba = p.first_lba + spec.size - 1;
    } else {
      p.last_lba = last_usable;
    }
    for (const Partition& q : parts) {
      if (p.first_lba <= q.last_lba && q.first_lba <= p.last_lba)
        usage_error("--part %zu (%s, sectors %llu..%llu) overlaps partition %u (%s, sectors "
                    "%llu..%llu)",
                    number, p.name, (unsigned long long)p.first_lba,
                    (unsigned long long)p.last_lba, q.number(), q.name,
                    (unsigned long long)q.first_lba, (unsigned long long)q.last_lba);
      if (p.unique == q.unique)
        usage_error("--part %zu (%s) has the same unique GUID as partition %u (%s)", number,
                    p.name, q.number(), q.name);
    }
    if (!spec.file.empty()) {
      struct stat st;
      if (stat(spec.file.c_str(), &st) != 0)
        fail("--part %zu (%s): cannot read file '%s': %s", number, p.name, spec.file.c_str(),
             strerror(errno));
      if (!S_ISREG(st.st_mode))
        fail("--part %zu (%s): '%s' is not a regular file", number, p.name, spec.file.c_str());
      spec.file_bytes = uint64_t(st.st_size);
      uint64_t capacity = p.sectors() * kSectorSize;
      if (spec.file_bytes > capacity)
        fail("--part %zu (%s): file '%s' (%llu bytes) does not fit in the partition (%llu "
             "bytes, %s)",
             number, p.name, spec.file.c_str(), (unsigned long long)spec.file_bytes,
             (unsigned long long)capacity, human_size(p.sectors()).c_str());
    }
    if (p.last_lba + 1 > next_free) next_free = p.last_lba + 1;
    parts.push_back(p);
  }
  // The shared code has the last word on what is a valid table.
  if (!check_layout(opt.disk_sectors, parts.data(), parts.size()).ok())
    fail("internal error: the layout failed check_layout");
  return parts;
}

// ---- writing ---------------------------------------------------------------------

struct Output {
  int fd = -1;
  std::string path;
};

Result<void> write_sector(void* context, uint64_t lba, const void* buffer) {
  auto* out = static_cast<Output*>(context);
  ssize_t n = pwrite(out->fd, buffer, kSectorSize, off_t(lba * kSectorSize));
  if (n != ssize_t(kSectorSize)) return Error::Io;
  return {};
}

// Copies `path` to byte `offset` of the image, leaving all-zero blocks as holes.
void copy_file(const Output& out, const std::string& path, uint64_t offset, uint64_t expected) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open '%s': %s", path.c_str(), strerror(errno));
  constexpr size_t kBlock = 4096;
  std::vector<char> buffer(1 << 20);
  static const char kZeros[kBlock] = {};
  uint64_t copied = 0;
  for (;;) {
    ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read '%s': %s", path.c_str(), strerror(errno));
    }
    if (n == 0) break;
    if (copied + uint64_t(n) > expected)
      fail("'%s' grew while being copied; it no longer fits", path.c_str());
    for (ssize_t done = 0; done < n; done += kBlock) {
      size_t chunk = size_t(n - done) < kBlock ? size_t(n - done) : kBlock;
      if (memcmp(buffer.data() + done, kZeros, chunk) == 0) continue;  // hole
      const char* p = buffer.data() + done;
      off_t at = off_t(offset + copied + done);
      size_t left = chunk;
      while (left > 0) {
        ssize_t w = pwrite(out.fd, p, left, at);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail("cannot write '%s': %s", out.path.c_str(), strerror(errno));
        p += w;
        at += w;
        left -= size_t(w);
      }
    }
    copied += uint64_t(n);
  }
  close(fd);
}

void print_layout(const Options& opt, const std::vector<Partition>& parts) {
  printf("%s: %s (%llu sectors), disk GUID %s\n", opt.out.c_str(),
         human_size(opt.disk_sectors).c_str(), (unsigned long long)opt.disk_sectors,
         guid_text(opt.disk_guid).c_str());
  for (size_t i = 0; i < parts.size(); ++i) {
    const Partition& p = parts[i];
    const char* label = type_label(p.type);
    printf("  %u %-12s sectors %llu..%llu (%s) type %s%s%s%s", p.number(), p.name,
           (unsigned long long)p.first_lba, (unsigned long long)p.last_lba,
           human_size(p.sectors()).c_str(), guid_text(p.type).c_str(), *label ? " (" : "", label,
           *label ? ")" : "");
    if (p.bootable()) printf(" bootable");
    if (p.attributes & ~kAttrLegacyBiosBootable)
      printf(" attrs 0x%llx", (unsigned long long)p.attributes);
    if (!opt.parts[i].file.empty())
      printf(" <- %s (%llu bytes)", opt.parts[i].file.c_str(),
             (unsigned long long)opt.parts[i].file_bytes);
    printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  rivet::cli::set_program(kProgram);
  Options opt = parse_command_line(argc, argv);
  std::vector<Partition> parts = plan_layout(opt);

  // Write next to the destination and rename at the end, so a failure never
  // leaves a half-built image under the final name.
  Output out;
  out.path = opt.out + ".tmp." + std::to_string(getpid());
  out.fd = open(out.path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out.fd < 0) fail("cannot create '%s': %s", out.path.c_str(), strerror(errno));
  rivet::cli::set_partial_output(out.path);
  if (ftruncate(out.fd, off_t(opt.disk_sectors * kSectorSize)) != 0)
    fail("cannot make '%s' %s long: %s", out.path.c_str(), human_size(opt.disk_sectors).c_str(),
         strerror(errno));
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!opt.parts[i].file.empty())
      copy_file(out, opt.parts[i].file, parts[i].first_lba * kSectorSize, opt.parts[i].file_bytes);
  }
  SectorWriter writer{&out, write_sector};
  auto built = build_gpt(writer, opt.disk_sectors, opt.disk_guid, parts.data(), parts.size());
  if (!built.ok())
    fail("writing the partition table to '%s' failed: %s", out.path.c_str(),
         rivet::error_name(built.error()));
  if (close(out.fd) != 0) fail("cannot write '%s': %s", out.path.c_str(), strerror(errno));
  if (rename(out.path.c_str(), opt.out.c_str()) != 0)
    fail("cannot rename '%s' to '%s': %s", out.path.c_str(), opt.out.c_str(), strerror(errno));
  rivet::cli::set_partial_output("");
  if (!opt.quiet) print_layout(opt, parts);
  return 0;
}
