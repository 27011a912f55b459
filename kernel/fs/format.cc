#include "kernel/fs/format.h"

#include "kernel/sys/abi.h"

static_assert(rivet::fs::kTypeDir == T_DIR && rivet::fs::kTypeFile == T_FILE && rivet::fs::kTypeDevice == T_DEVICE);
static_assert(rivet::fs::kNameSize == DIRSIZ && rivet::fs::kMaxPathLength == MAXPATH);

namespace rivet::fs {

namespace {
// Slicing-by-8 (8 KiB of tables, made at compile time): eight bytes per
// step, about 2.5 instructions a byte instead of 11 for a nibble table. The
// cost is paid per metadata block read from or written to the device (the
// log's commit stamps every block it writes), never per data block.
struct CrcTables {
  uint32_t t[8][256];
};

constexpr CrcTables make_crc_tables() {
  CrcTables tables{};
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (c & 1 ? 0x82f63b78u : 0);  // reflected Castagnoli
    tables.t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int j = 1; j < 8; j++) tables.t[j][i] = (tables.t[j - 1][i] >> 8) ^ tables.t[0][tables.t[j - 1][i] & 0xff];
  return tables;
}
constexpr CrcTables kCrc = make_crc_tables();
static_assert(kCrc.t[0][1] == 0xf26b8303u && kCrc.t[0][128] == 0x82f63b78u);

// The raw register update, without the initial and final inversion.
uint32_t crc_update(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (; size >= 8; p += 8, size -= 8) {
    uint32_t lo = crc ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    uint32_t hi = uint32_t{p[4]} | uint32_t{p[5]} << 8 | uint32_t{p[6]} << 16 | uint32_t{p[7]} << 24;
    crc = kCrc.t[7][lo & 0xff] ^ kCrc.t[6][(lo >> 8) & 0xff] ^ kCrc.t[5][(lo >> 16) & 0xff] ^ kCrc.t[4][lo >> 24] ^
          kCrc.t[3][hi & 0xff] ^ kCrc.t[2][(hi >> 8) & 0xff] ^ kCrc.t[1][(hi >> 16) & 0xff] ^ kCrc.t[0][hi >> 24];
  }
  for (; size > 0; p++, size--) crc = (crc >> 8) ^ kCrc.t[0][(crc ^ *p) & 0xff];
  return crc;
}

uint32_t never_zero(uint32_t crc) { return crc ? crc : 1; }
}  // namespace

uint32_t crc32c(const void* data, size_t size) { return ~crc_update(0xffffffffu, data, size); }

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size) { return ~crc_update(~crc, data, size); }

uint32_t block_checksum(BlockKind kind, uint32_t blockno, const void* block) {
  uint32_t seed[2] = {static_cast<uint32_t>(kind), blockno};
  return never_zero(crc32c_extend(crc32c(seed, sizeof seed), block, kChecksumOffset));
}

void stamp_block(BlockKind kind, uint32_t blockno, void* block) {
  if (kind == BlockKind::Data) return;
  uint32_t sum = block_checksum(kind, blockno, block);
  __builtin_memcpy(static_cast<uint8_t*>(block) + kChecksumOffset, &sum, sizeof sum);
}

bool verify_block(BlockKind kind, uint32_t blockno, const void* block) {
  if (kind == BlockKind::Data) return true;
  uint32_t stored;
  __builtin_memcpy(&stored, static_cast<const uint8_t*>(block) + kChecksumOffset, sizeof stored);
  return stored == block_checksum(kind, blockno, block);
}

const char* block_kind_name(BlockKind kind) {
  switch (kind) {
    case BlockKind::Data: return "data";
    case BlockKind::Super: return "superblock";
    case BlockKind::Inode: return "inode block";
    case BlockKind::Bitmap: return "bitmap block";
    case BlockKind::Directory: return "directory block";
    case BlockKind::Indirect: return "indirect block";
    case BlockKind::Log: return "log block";
  }
  return "block";
}

uint32_t log_header_checksum(const LogHeader& header) {
  // Only the used entries, so stale slots beyond count do not matter.
  uint32_t count = header.count <= kLogMaxEntries ? header.count : kLogMaxEntries;
  uint32_t words[3] = {header.magic, header.count, header.sequence};
  uint32_t crc = crc32c(words, sizeof(words));
  crc = crc32c_extend(crc, header.blocks, count * sizeof(uint32_t));
  crc = crc32c_extend(crc, header.sums, count * sizeof(uint32_t));
  return never_zero(crc);
}

uint32_t log_slot_checksum(uint32_t home, const void* block) {
  uint32_t seed[2] = {static_cast<uint32_t>(BlockKind::Log), home};
  return never_zero(crc32c_extend(crc32c(seed, sizeof seed), block, kBlockSize));
}

uint32_t superblock_checksum(const SuperBlock& sb) {
  uint32_t seed[2] = {static_cast<uint32_t>(BlockKind::Super), kSuperBlockNumber};
  return never_zero(crc32c_extend(crc32c(seed, sizeof seed), &sb, offsetof(SuperBlock, checksum)));
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
  sb.checksum = superblock_checksum(sb);
  return sb;
}

Result<void> validate_superblock(const SuperBlock& sb, uint64_t device_blocks, const char** why) {
  auto bad = [why](const char* reason) -> Result<void> {
    if (why) *why = reason;
    return Error::Malformed;
  };
  if (sb.magic != kMagic) return bad("bad magic");
  if (sb.version == 1) return bad("format version 1, without metadata checksums (rebuild it with rivet-mkfs)");
  if (sb.version != kVersion) return bad("unsupported version");
  if (sb.checksum != superblock_checksum(sb)) return bad("superblock checksum mismatch");
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
