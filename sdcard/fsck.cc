// rivet-fsck: checks a Rivet file system image, or the root partition of a
// GPT disk image (found by its partition type GUID).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "kernel/block/gpt.h"
#include "sdcard/fs_image.h"

namespace {

using namespace rivet;

constexpr const char* kProgram = "rivet-fsck";

const char kUsage[] =
    "usage: rivet-fsck [--replay] [--repair] [--partition N] [--verbose] [--quiet] IMAGE\n"
    "\n"
    "Checks a Rivet file system: the checksum of every metadata block (each\n"
    "damaged block is reported by number); the superblock; that every block\n"
    "is free or owned exactly once and the bitmap agrees; link counts against\n"
    "directory entries; that directories are well formed ('.' and '..' right,\n"
    "names NUL-terminated, no entries naming free inodes, sizes within the\n"
    "kernel's limit); sizes against allocated blocks; that everything in use\n"
    "is reachable from the root. Nothing is written to IMAGE without --repair.\n"
    "\n"
    "IMAGE is a file system image, or a GPT disk image whose root partition\n"
    "(type " "B2A45E6C-0F3A-4B8E-9C1D-524956455446" ") holds one.\n"
    "\n"
    "  --replay        first apply a committed transaction left in the log, as\n"
    "                  the kernel does at mount (in memory only)\n"
    "  --repair, -r    rebuild the free-block bitmap (with new checksums) if it\n"
    "                  is damaged or disagrees with the inodes, provided every\n"
    "                  inode and indirect block verifies and the log is empty;\n"
    "                  then check again. Nothing else is changed\n"
    "  --partition N   check GPT partition N (1-based) whatever its type\n"
    "  --verbose       also print notes (orphans, a pending log, ...)\n"
    "  --quiet         print only problems\n"
    "\n"
    "Exit status: 0 clean, 1 problems found (listed), 2 usage or I/O error.\n";

[[noreturn]] void usage_error(const char* message, const char* arg) {
  fprintf(stderr, "%s: error: %s%s\n(run '%s --help' for usage)\n", kProgram, message, arg, kProgram);
  exit(2);
}

[[noreturn]] void io_error(const std::string& message) {
  fprintf(stderr, "%s: error: %s\n", kProgram, message.c_str());
  exit(2);
}

class FileSource : public fsimage::BlockSource {
 public:
  FileSource(int fd, uint64_t offset, uint64_t bytes) : fd_(fd), offset_(offset), blocks_(bytes / fs::kBlockSize) {}
  uint64_t block_count() const override { return blocks_; }
  bool read_block(uint64_t block, void* data) override {
    if (block >= blocks_) return false;
    ssize_t n = pread(fd_, data, fs::kBlockSize, static_cast<off_t>(offset_ + block * fs::kBlockSize));
    return n == static_cast<ssize_t>(fs::kBlockSize);
  }
  bool write_block(uint64_t block, const void* data) override {
    if (block >= blocks_) return false;
    ssize_t n = pwrite(fd_, data, fs::kBlockSize, static_cast<off_t>(offset_ + block * fs::kBlockSize));
    return n == static_cast<ssize_t>(fs::kBlockSize);
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t blocks_;
};

Result<void> read_sector(void* context, uint64_t lba, void* buffer) {
  int fd = *static_cast<int*>(context);
  ssize_t n = pread(fd, buffer, block::kSectorSize, static_cast<off_t>(lba * block::kSectorSize));
  if (n != static_cast<ssize_t>(block::kSectorSize)) return Error::Io;
  return {};
}

bool has_fs_magic(int fd, uint64_t offset) {
  uint32_t magic = 0;
  return pread(fd, &magic, sizeof magic, static_cast<off_t>(offset + fs::kBlockSize)) == sizeof magic &&
         magic == fs::kMagic;
}

}  // namespace

int main(int argc, char** argv) {
  bool replay = false, verbose = false, quiet = false, repair = false;
  long partition = 0;
  const char* image = nullptr;
  for (int i = 1; i < argc; i++) {
    const char* arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      fputs(kUsage, stdout);
      return 0;
    } else if (!strcmp(arg, "--replay")) {
      replay = true;
    } else if (!strcmp(arg, "--repair") || !strcmp(arg, "-r")) {
      repair = true;
    } else if (!strcmp(arg, "--verbose")) {
      verbose = true;
    } else if (!strcmp(arg, "--quiet")) {
      quiet = true;
    } else if (!strcmp(arg, "--partition")) {
      if (i + 1 >= argc) usage_error("--partition needs a value", "");
      char* end;
      partition = strtol(argv[++i], &end, 10);
      if (*end || partition < 1 || partition > 1024) usage_error("bad --partition ", argv[i]);
    } else if (arg[0] == '-' && arg[1]) {
      usage_error("unknown argument ", arg);
    } else if (!image) {
      image = arg;
    } else {
      usage_error("more than one image: ", arg);
    }
  }
  if (!image) usage_error("no image given", "");

  int fd = open(image, repair ? O_RDWR : O_RDONLY);
  if (fd < 0) io_error(std::string("cannot open '") + image + "': " + strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) io_error(std::string("cannot stat '") + image + "'");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = 0, bytes = size;
  std::string where = image;

  if (partition != 0 || !has_fs_magic(fd, 0)) {
    // A disk image: find the root partition in its GPT.
    auto table = std::make_unique<block::Table>();
    block::SectorReader reader{&fd, read_sector};
    auto r = block::read_gpt(reader, size / block::kSectorSize, table.get());
    if (!r.ok()) {
      if (partition != 0) io_error(std::string("'") + image + "' has no readable GPT");
      fprintf(stderr, "%s: %s: not a Rivet file system (bad magic) and no readable GPT\n", kProgram, image);
      return 1;
    }
    const block::Partition* part = nullptr;
    if (partition != 0) {
      for (size_t i = 0; i < table->count; i++)
        if (table->partitions[i].number() == static_cast<uint32_t>(partition)) part = &table->partitions[i];
      if (!part) io_error(std::string("'") + image + "' has no partition " + std::to_string(partition));
    } else {
      auto type = block::Guid::parse(fs::kRootPartitionTypeText);
      auto found = table->find_by_type(type.value());
      if (!found.ok()) io_error(std::string("'") + image + "': no Rivet root partition in its GPT");
      part = found.value();
    }
    offset = part->first_lba * block::kSectorSize;
    bytes = part->sectors() * block::kSectorSize;
    where = std::string(image) + " partition " + std::to_string(part->number());
  }

  FileSource source(fd, offset, bytes);
  fsimage::CheckOptions options;
  options.replay = replay;
  options.repair = repair;
  fsimage::CheckReport report = fsimage::check_image(source, options);
  if (!report.repairs.empty()) {
    for (auto& r : report.repairs) printf("%s: %s: repaired: %s\n", kProgram, where.c_str(), r.c_str());
    if (fsync(fd) != 0) io_error(std::string("cannot write '") + image + "'");
    options.repair = false;
    report = fsimage::check_image(source, options);
  }
  close(fd);
  if (report.io_error) {
    for (auto& p : report.problems) fprintf(stderr, "%s: %s: %s\n", kProgram, where.c_str(), p.c_str());
    return 2;
  }
  if (verbose)
    for (auto& n : report.notes) printf("%s: %s: note: %s\n", kProgram, where.c_str(), n.c_str());
  for (auto& p : report.problems) printf("%s: %s: %s\n", kProgram, where.c_str(), p.c_str());
  if (report.problems_total > report.problems.size())
    printf("%s: %s: ... and %zu more problems\n", kProgram, where.c_str(),
           report.problems_total - report.problems.size());
  if (!report.clean()) {
    printf("%s: %s: %zu problems\n", kProgram, where.c_str(), report.problems_total);
    return 1;
  }
  if (!quiet)
    printf("%s: %s: clean: %u files, %u directories, %u devices, %llu of %u data blocks used%s\n", kProgram,
           where.c_str(), report.files, report.directories, report.devices,
           static_cast<unsigned long long>(report.data_blocks_used), report.sb.nblocks,
           report.orphans ? " (orphans pending)" : "");
  return 0;
}
