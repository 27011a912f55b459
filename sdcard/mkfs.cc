// rivet-mkfs: builds a Rivet file-system image on the host.
//
// Deterministic: the same command line and input files give the same image
// byte for byte. The image is written sparsely (only non-zero blocks) and
// appears under its name only once complete.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sdcard/cli.h"
#include "sdcard/fs_image.h"

namespace {

using namespace rivet;
using rivet::fsimage::ImageBuilder;

constexpr const char* kProgram = "rivet-mkfs";

const char kUsage[] =
    "usage: rivet-mkfs --out FILE --size SIZE [--inodes N] [--log BLOCKS]\n"
    "                  [--file HOSTPATH:/PATH ...] [--dir /PATH ...]\n"
    "                  [--mkdev /PATH:MAJOR:MINOR ...] [--manifest FILE ...] [--quiet]\n"
    "\n"
    "Builds a Rivet file system image (4096-byte blocks) that fills SIZE.\n"
    "\n"
    "  --out FILE           image to write (replaced only once complete)\n"
    "  --size SIZE          bytes, with an optional K, M, G or T suffix (powers of\n"
    "                       1024); a whole number of 4096-byte blocks\n"
    "  --inodes N           inode count (default: one per 16 KiB)\n"
    "  --log BLOCKS         log size in blocks, header included (default: about\n"
    "                       1/128 of the space, 193..511)\n"
    "  --file HOST:/PATH    copy host file HOST to /PATH\n"
    "  --dir /PATH          make a directory\n"
    "  --mkdev /PATH:MAJ:MIN  make a device file (e.g. /dev/console:1:0)\n"
    "  --manifest FILE      read entries from FILE, one per line:\n"
    "                         dir /PATH\n"
    "                         file HOSTPATH /PATH   (relative HOSTPATHs are taken\n"
    "                                                from the manifest's directory)\n"
    "                         dev /PATH MAJOR MINOR\n"
    "                       blank lines and lines starting with # are ignored\n"
    "  --quiet              print nothing on success\n"
    "  --help               show this text\n"
    "\n"
    "Missing parent directories are created. Exit status: 0 on success, 1 if\n"
    "the contents do not fit or an input cannot be read, 2 for a bad command line.\n";

using cli::fail;
using cli::usage_error;

std::vector<uint8_t> read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read '%s': %s", path.c_str(), strerror(errno));
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("cannot read '%s'", path.c_str());
  return data;
}

// Splits "A:B" at the last colon (host paths may contain colons, image paths
// rarely do; an image path with a colon needs a manifest).
bool split_host_spec(const std::string& spec, std::string* host, std::string* path) {
  size_t colon = spec.rfind(":/");
  if (colon == std::string::npos || colon == 0) return false;
  *host = spec.substr(0, colon);
  *path = spec.substr(colon + 1);
  return true;
}

struct Entry {
  enum Kind { Dir, File, Dev } kind;
  std::string path, host;
  uint64_t major = 0, minor = 0;
  std::string where;  // for messages
};

bool parse_device(const std::string& spec, Entry* e) {
  size_t c2 = spec.rfind(':');
  if (c2 == std::string::npos || c2 == 0) return false;
  size_t c1 = spec.rfind(':', c2 - 1);
  if (c1 == std::string::npos) return false;
  e->kind = Entry::Dev;
  e->path = spec.substr(0, c1);
  return cli::parse_u64(spec.substr(c1 + 1, c2 - c1 - 1), &e->major) &&
         cli::parse_u64(spec.substr(c2 + 1), &e->minor) && e->major <= 0xffff && e->minor <= 0xffff;
}

void read_manifest(const std::string& file, std::vector<Entry>* entries) {
  std::ifstream in(file);
  if (!in) fail("cannot read manifest '%s': %s", file.c_str(), strerror(errno));
  std::string base;
  size_t slash = file.rfind('/');
  if (slash != std::string::npos) base = file.substr(0, slash + 1);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    lineno++;
    std::istringstream words(line);
    std::string kind;
    if (!(words >> kind) || kind[0] == '#') continue;
    Entry e;
    e.where = file + ":" + std::to_string(lineno);
    std::string a, b, c, extra;
    if (kind == "dir" && (words >> a) && !(words >> extra)) {
      e.kind = Entry::Dir;
      e.path = a;
    } else if (kind == "file" && (words >> a >> b) && !(words >> extra)) {
      e.kind = Entry::File;
      e.host = (a[0] == '/' ? "" : base) + a;
      e.path = b;
    } else if (kind == "dev" && (words >> a >> b >> c) && !(words >> extra) && cli::parse_u64(b, &e.major) &&
               cli::parse_u64(c, &e.minor) && e.major <= 0xffff && e.minor <= 0xffff) {
      e.kind = Entry::Dev;
      e.path = a;
    } else {
      fail("%s: cannot parse '%s'", e.where.c_str(), line.c_str());
    }
    entries->push_back(e);
  }
}

}  // namespace

int main(int argc, char** argv) {
  cli::set_program(kProgram);
  std::string out;
  uint64_t size = 0;
  uint64_t inodes = 0, log_blocks = 0;
  bool quiet = false;
  std::vector<Entry> entries;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error("%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--out") {
      out = value();
    } else if (arg == "--size") {
      std::string v = value();
      std::string why;
      if (!cli::parse_size(v, 1, &size, &why) || size == 0 || size % fs::kBlockSize != 0)
        usage_error("bad --size '%s' (a whole number of 4096-byte blocks, e.g. 64M)", v.c_str());
    } else if (arg == "--inodes") {
      std::string v = value();
      if (!cli::parse_u64(v, &inodes) || inodes < 2 || inodes > 0x7fffffff) usage_error("bad --inodes '%s'", v.c_str());
    } else if (arg == "--log") {
      std::string v = value();
      if (!cli::parse_u64(v, &log_blocks) || log_blocks < fs::kMinLogBlocks || log_blocks > 1 + fs::kLogMaxEntries)
        usage_error("bad --log '%s' (%u..%u blocks)", v.c_str(), fs::kMinLogBlocks, 1 + fs::kLogMaxEntries);
    } else if (arg == "--file") {
      std::string v = value();
      Entry e;
      e.kind = Entry::File;
      e.where = "--file " + v;
      if (!split_host_spec(v, &e.host, &e.path)) usage_error("bad --file '%s' (HOSTPATH:/PATH)", v.c_str());
      entries.push_back(e);
    } else if (arg == "--dir") {
      Entry e;
      e.kind = Entry::Dir;
      e.path = value();
      e.where = "--dir " + e.path;
      entries.push_back(e);
    } else if (arg == "--mkdev") {
      std::string v = value();
      Entry e;
      e.where = "--mkdev " + v;
      if (!parse_device(v, &e)) usage_error("bad --mkdev '%s' (/PATH:MAJOR:MINOR)", v.c_str());
      entries.push_back(e);
    } else if (arg == "--manifest") {
      read_manifest(value(), &entries);
    } else if (arg == "--quiet") {
      quiet = true;
    } else {
      usage_error("unknown argument '%s'", arg.c_str());
    }
  }
  if (out.empty()) usage_error("--out is required");
  if (size == 0) usage_error("--size is required");

  ImageBuilder builder;
  std::string error;
  if (!builder.init(size / fs::kBlockSize, static_cast<uint32_t>(inodes), static_cast<uint32_t>(log_blocks), &error))
    fail("%s", error.c_str());
  for (const Entry& e : entries) {
    bool ok = false;
    switch (e.kind) {
      case Entry::Dir: ok = builder.add_directory(e.path, &error); break;
      case Entry::File: ok = builder.add_file(e.path, read_host_file(e.host), &error); break;
      case Entry::Dev:
        ok = builder.add_device(e.path, static_cast<uint16_t>(e.major), static_cast<uint16_t>(e.minor), &error);
        break;
    }
    if (!ok) fail("%s: %s", e.where.c_str(), error.c_str());
  }
  if (!builder.build(&error)) fail("%s", error.c_str());

  std::string tmp = out + ".partial";
  cli::set_partial_output(tmp);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("cannot create '%s': %s", tmp.c_str(), strerror(errno));
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) fail("cannot size '%s': %s", tmp.c_str(), strerror(errno));
  for (auto& [b, data] : builder.blocks()) {
    off_t off = static_cast<off_t>(uint64_t{b} * fs::kBlockSize);
    if (pwrite(fd, data.data(), data.size(), off) != static_cast<ssize_t>(data.size()))
      fail("cannot write '%s': %s", tmp.c_str(), strerror(errno));
  }
  if (fsync(fd) != 0 || close(fd) != 0) fail("cannot write '%s': %s", tmp.c_str(), strerror(errno));
  if (rename(tmp.c_str(), out.c_str()) != 0) fail("cannot rename to '%s': %s", out.c_str(), strerror(errno));
  cli::set_partial_output("");
  if (!quiet) {
    const fs::SuperBlock& sb = builder.superblock();
    printf("%s: %s: %u blocks of 4096 bytes; %u inodes (%u used); log %u blocks; %u data blocks (%u used)\n",
           kProgram, out.c_str(), sb.size, sb.ninodes - 1, builder.inodes_used(), sb.nlog, sb.nblocks,
           builder.data_blocks_used());
  }
  return 0;
}
