#include "kernel/fs/format.h"

#include "kernel/sys/abi.h"

static_assert(rivet::fs::kTypeDir == T_DIR && rivet::fs::kTypeFile == T_FILE && rivet::fs::kTypeDevice == T_DEVICE);
static_assert(rivet::fs::kNameSize == DIRSIZ && rivet::fs::kMaxPathLength == MAXPATH);

namespace rivet::fs {

uint32_t crc32c(const void* data, size_t size) {
  // Nibble-at-a-time: a 16-entry table, small enough for the kernel image
  // and fast enough for one header per commit.
  static constexpr uint32_t kTable[16] = {
      0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1, 0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
      0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9, 0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75};
  uint32_t crc = 0xffffffffu;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; i++) {
    crc ^= p[i];
    crc = (crc >> 4) ^ kTable[crc & 15];
    crc = (crc >> 4) ^ kTable[crc & 15];
  }
  return ~crc;
}

uint32_t log_header_checksum(const LogHeader& header) {
  // Everything but the checksum field itself, and only the used entries, so
  // stale slots beyond count do not matter.
  uint32_t count = header.count <= kLogMaxEntries ? header.count : kLogMaxEntries;
  uint32_t words[3] = {header.magic, header.count, header.sequence};
  uint32_t a = crc32c(words, sizeof(words));
  uint32_t b = crc32c(header.blocks, count * sizeof(uint32_t));
  return a ^ (b * 0x9e3779b1u) ^ count;
}

namespace {
uint64_t div_round_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

Result<SuperBlock> plan_layout(uint64_t total_blocks, uint32_t ninodes, uint32_t nlog) {
  if (total_blocks > 0xffffffffull || total_blocks < 2 + kMinLogBlocks + 3) return Error::Invalid;
  if (ninodes == 0) {
    uint64_t n = total_blocks * kBlockSize / 16384;
    if (n < 64) n = 64;
    if (n > 0x7fffffff) n = 0x7fffffff;
    ninodes = static_cast<uint32_t>(n);
  }
  if (ninodes < 2) return Error::Invalid;
  // Round the inode count up to fill whole inode-table blocks.
  uint64_t inode_blocks = div_round_up(ninodes, kInodesPerBlock);
  ninodes = static_cast<uint32_t>(inode_blocks * kInodesPerBlock > 0xffffffffull
                                      ? 0xffffffffu
                                      : inode_blocks * kInodesPerBlock);
  if (nlog == 0) {
    uint64_t n = total_blocks / 128;
    if (n < kMinLogBlocks) n = kMinLogBlocks;
    if (n > 1 + kLogMaxEntries) n = 1 + kLogMaxEntries;
    nlog = static_cast<uint32_t>(n);
  }
  if (nlog < kMinLogBlocks || nlog > 1 + kLogMaxEntries) return Error::Invalid;
  uint64_t bitmap_blocks = div_round_up(total_blocks, kBitsPerBlock);
  uint64_t meta = 2 + nlog + inode_blocks + bitmap_blocks;
  if (meta + 1 > total_blocks) return Error::Invalid;

  SuperBlock sb{};
  sb.magic = kMagic;
  sb.version = kVersion;
  sb.block_size = kBlockSize;
  sb.size = static_cast<uint32_t>(total_blocks);
  sb.ninodes = ninodes;
  sb.nlog = nlog;
  sb.logstart = 2;
  sb.inodestart = sb.logstart + nlog;
  sb.ninodeblocks = static_cast<uint32_t>(inode_blocks);
  sb.bmapstart = sb.inodestart + sb.ninodeblocks;
  sb.nbmapblocks = static_cast<uint32_t>(bitmap_blocks);
  sb.datastart = sb.bmapstart + sb.nbmapblocks;
  sb.nblocks = sb.size - sb.datastart;
  return sb;
}

Result<void> validate_superblock(const SuperBlock& sb, uint64_t device_blocks, const char** why) {
  auto bad = [why](const char* reason) -> Result<void> {
    if (why) *why = reason;
    return Error::Malformed;
  };
  if (sb.magic != kMagic) return bad("bad magic");
  if (sb.version != kVersion) return bad("unsupported version");
  if (sb.block_size != kBlockSize) return bad("unsupported block size");
  for (uint32_t word : sb.reserved)
    if (word != 0) return bad("reserved fields are not zero");
  if (sb.size > device_blocks) return bad("file system larger than its device");
  if (sb.logstart != 2) return bad("log does not start at block 2");
  if (sb.nlog < kMinLogBlocks || sb.nlog > 1 + kLogMaxEntries) return bad("log size out of range");
  // 64-bit sums so no field can wrap another into range.
  uint64_t inodestart = uint64_t{sb.logstart} + sb.nlog;
  if (sb.inodestart != inodestart) return bad("inode table does not follow the log");
  if (sb.ninodes < 2) return bad("too few inodes");
  if (sb.ninodes % kInodesPerBlock != 0 || sb.ninodeblocks != sb.ninodes / kInodesPerBlock)
    return bad("inode count is not the inode table's capacity");
  uint64_t bmapstart = inodestart + sb.ninodeblocks;
  if (sb.bmapstart != bmapstart) return bad("bitmap does not follow the inode table");
  if (sb.nbmapblocks != div_round_up(sb.size, kBitsPerBlock)) return bad("bitmap size disagrees with the file system size");
  uint64_t datastart = bmapstart + sb.nbmapblocks;
  if (sb.datastart != datastart) return bad("data does not follow the bitmap");
  if (datastart >= sb.size) return bad("no data blocks");
  if (sb.nblocks != sb.size - datastart) return bad("data block count disagrees with the layout");
  return {};
}

}  // namespace rivet::fs
