// The on-disk format of Rivet's file system, shared by the kernel, rivet-mkfs
// and rivet-fsck. Pure: no kernel services, no heap, no libc beyond the
// compiler's own headers.
//
// The design is xv6's, with 4096-byte blocks, 32-bit block numbers and a
// deeper block map so files can grow to terabytes:
//
//   block 0            boot block (unused by the file system)
//   block 1            superblock
//   logstart ..        write-ahead log: one header block, then nlog-1 slots
//   inodestart ..      inode table (kInodesPerBlock inodes per block)
//   bmapstart ..       free-block bitmap, one bit per block of the whole FS
//   datastart .. size  data blocks
//
// Every multi-byte field is little-endian; the kernel and the host tools
// only run on little-endian machines (static_assert below).
//
// Version 2 checksums every metadata block (SD cards corrupt data, and a
// corrupted bitmap or directory believed as truth destroys files). Each
// kind of metadata block ends in a 4-byte tail holding CRC-32C of the rest
// of the block, seeded with the block's kind and number, so a block
// written to the wrong place fails as surely as a damaged one, and an
// all-zero block never verifies (a checksum is never 0; see
// block_checksum):
//
//   superblock      `checksum`, the last word of struct SuperBlock
//   inode block     the last word of the block (DiskInode::tail of the
//                   block's last inode; zero in every other inode)
//   bitmap block    the last 4 bytes: kBitmapBytesPerBlock bytes of bits
//   directory block the last 64 bytes are a tail slot that is never an
//                   entry (kDirEntriesPerBlock = 63 entries; the slot
//                   reads as a free entry, inum 0); its last word is the
//                   checksum
//   indirect block  the last word: kAddrsPerBlock = 1023 pointers
//   log header      its own checksum over the header, plus one CRC-32C
//                   per log slot (LogHeader::sums), so a replay never
//                   writes a damaged copy home
//
// Data blocks of regular files are not checksummed. The kernel verifies a
// metadata block when the buffer cache reads it from the device (the
// reader states what kind of block it expects) and stamps the checksum
// when the log commits the block; a mismatch is an I/O error for the
// operation and makes the file system read-only until the next boot.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace rivet::fs {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the on-disk format is little-endian");

inline constexpr uint32_t kBlockSize = 4096;
inline constexpr uint32_t kSectorsPerBlock = kBlockSize / 512;

inline constexpr uint32_t kMagic = 0x46544952;  // "RITF" in memory order: Rivet Inode Table FS
inline constexpr uint32_t kVersion = 2;  // 2: metadata checksums
inline constexpr uint32_t kSuperBlockNumber = 1;
inline constexpr uint32_t kRootInode = 1;  // inode 0 is never used

// The values of kernel/sys/abi.h's T_DIR, T_FILE, T_DEVICE, DIRSIZ and
// MAXPATH (format.cc checks they agree). Repeated here so that host tools,
// which cannot include abi.h next to the C library's <sys/stat.h>, can use
// this header.
inline constexpr uint16_t kTypeDir = 1;
inline constexpr uint16_t kTypeFile = 2;
inline constexpr uint16_t kTypeDevice = 3;
inline constexpr size_t kNameSize = 60;       // a directory entry's name field
inline constexpr size_t kMaxPathLength = 128;  // including the NUL

// The GPT partition type of a Rivet root file system.
inline constexpr char kRootPartitionTypeText[] = "B2A45E6C-0F3A-4B8E-9C1D-524956455446";

// ---- superblock --------------------------------------------------------------

struct SuperBlock {
  uint32_t magic;         // kMagic
  uint32_t version;       // kVersion
  uint32_t block_size;    // kBlockSize
  uint32_t size;          // total blocks, boot block included
  uint32_t nblocks;       // data blocks (size - datastart)
  uint32_t ninodes;       // inodes, inode 0 included (never used)
  uint32_t nlog;          // log blocks, header included
  uint32_t logstart;      // first log block (the header)
  uint32_t inodestart;    // first inode-table block
  uint32_t ninodeblocks;  // inode-table blocks
  uint32_t bmapstart;     // first bitmap block
  uint32_t nbmapblocks;   // bitmap blocks
  uint32_t datastart;     // first data block
  uint32_t reserved[18];  // zero
  uint32_t checksum;      // superblock_checksum() of the fields above
};
static_assert(sizeof(SuperBlock) == 128);

// ---- inodes ------------------------------------------------------------------

// ---- checksums -------------------------------------------------------------------

// What a block holds, as far as checksums go. Data blocks carry none.
enum class BlockKind : uint8_t { Data = 0, Super, Inode, Bitmap, Directory, Indirect, Log };

// Where a checksummed block keeps its checksum: its last word.
inline constexpr uint32_t kChecksumOffset = kBlockSize - sizeof(uint32_t);

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
// final XOR 0xFFFFFFFF): crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void* data, size_t size);
// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a followed by b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);

// The checksum of a metadata block of `kind` at `blockno`: CRC-32C of
// (kind, blockno) followed by the block's first kChecksumOffset bytes,
// with 0 mapped to 1 so that a zeroed tail never matches.
uint32_t block_checksum(BlockKind kind, uint32_t blockno, const void* block);
// Writes block_checksum into the tail (no-op for BlockKind::Data).
void stamp_block(BlockKind kind, uint32_t blockno, void* block);
// True if the tail holds the block's checksum (always for Data).
bool verify_block(BlockKind kind, uint32_t blockno, const void* block);
const char* block_kind_name(BlockKind kind);

// ---- inodes ------------------------------------------------------------------

inline constexpr uint32_t kDirect = 12;
// An indirect block: pointers, then the checksum.
inline constexpr uint32_t kAddrsPerBlock = kChecksumOffset / sizeof(uint32_t);  // 1023
// addrs[] slots: 12 direct, then one single, one double, one triple indirect.
inline constexpr uint32_t kSingleSlot = kDirect;
inline constexpr uint32_t kDoubleSlot = kDirect + 1;
inline constexpr uint32_t kTripleSlot = kDirect + 2;
inline constexpr uint32_t kAddrSlots = kDirect + 3;

inline constexpr uint64_t kSingleBlocks = kAddrsPerBlock;
inline constexpr uint64_t kDoubleBlocks = kSingleBlocks * kAddrsPerBlock;
inline constexpr uint64_t kTripleBlocks = kDoubleBlocks * kAddrsPerBlock;
// File blocks a file can map; its largest size is this times kBlockSize
// (just under 4 TiB).
inline constexpr uint64_t kMaxFileBlocks = kDirect + kSingleBlocks + kDoubleBlocks + kTripleBlocks;
inline constexpr uint64_t kMaxFileSize = kMaxFileBlocks * kBlockSize;
// A directory uses its direct and single-indirect blocks only (65,000-odd
// entries). The limit makes every walk over a directory bounded work; a
// directory inode claiming more (a damaged size, say 4 TiB) is corrupt.
inline constexpr uint64_t kMaxDirectorySize = (kDirect + kSingleBlocks) * kBlockSize;

struct DiskInode {
  uint16_t type;   // 0 = free, kTypeDir, kTypeFile, kTypeDevice
  uint16_t major;  // T_DEVICE only
  uint16_t minor;
  uint16_t nlink;  // directory entries naming it ("." excluded)
  uint64_t size;   // bytes
  uint32_t addrs[kAddrSlots];
  uint32_t reserved[12];
  uint32_t tail;  // in a block's last inode: the inode block's checksum; else 0
};
static_assert(sizeof(DiskInode) == 128);
static_assert((sizeof(DiskInode) & (sizeof(DiskInode) - 1)) == 0, "a power of two");

inline constexpr uint32_t kInodesPerBlock = kBlockSize / sizeof(DiskInode);  // 32

inline uint32_t inode_block(const SuperBlock& sb, uint32_t inum) {
  return sb.inodestart + inum / kInodesPerBlock;
}

// ---- bitmap ------------------------------------------------------------------

// A bitmap block: bits, then the checksum.
inline constexpr uint32_t kBitmapBytesPerBlock = kChecksumOffset;
inline constexpr uint32_t kBitsPerBlock = kBitmapBytesPerBlock * 8;  // 32,736

inline uint32_t bitmap_block(const SuperBlock& sb, uint32_t block) {
  return sb.bmapstart + block / kBitsPerBlock;
}

// ---- directories ---------------------------------------------------------------

struct DirEntry {
  uint32_t inum;        // 0 = empty slot
  char name[kNameSize];  // NUL-padded; at most kNameSize-1 characters
};
static_assert(sizeof(DirEntry) == 64);
// The last entry-sized slot of every directory block is its tail (the
// checksum in its last word, zeros before): never an entry, and it reads
// as a free one (inum 0). Directory offsets stay entry offsets; code that
// picks a slot for a new entry skips tail slots.
inline constexpr uint32_t kDirEntriesPerBlock = kBlockSize / sizeof(DirEntry) - 1;  // 63
inline constexpr bool is_dir_tail_slot(uint64_t offset) {
  return offset % kBlockSize >= kDirEntriesPerBlock * sizeof(DirEntry);
}
static_assert(kChecksumOffset >= kDirEntriesPerBlock * sizeof(DirEntry));

// The size rule for a directory inode, applied by the kernel (ilock) and
// rivet-fsck alike: a whole number of entries, within kMaxDirectorySize.
inline constexpr bool directory_size_ok(uint64_t size) {
  return size <= kMaxDirectorySize && size % sizeof(DirEntry) == 0;
}

// ---- log -----------------------------------------------------------------------

// The log header, the first log block. A transaction is committed when a
// header with count > 0 and a matching checksum is on disk; the checksum
// makes a torn header write read as "no transaction", which is right,
// because the home locations are not touched before the header is durable.
// Each slot's CRC-32C is in sums[]: a slot the card damaged after the
// commit fails replay instead of being written home.
inline constexpr uint32_t kLogMagic = 0x474f4c52;  // "RLOG"
inline constexpr uint32_t kLogMaxEntries = 510;

struct LogHeader {
  uint32_t magic;     // kLogMagic when count > 0
  uint32_t count;     // logged blocks; 0 = nothing to replay
  uint32_t sequence;  // commit number, for diagnostics
  uint32_t checksum;  // log_header_checksum() of this header
  uint32_t blocks[kLogMaxEntries];  // home location of log slot i (block logstart+1+i)
  uint32_t sums[kLogMaxEntries];    // log_slot_checksum() of slot i
};
static_assert(sizeof(LogHeader) == kBlockSize);

// The most distinct blocks any single file-system operation writes. Every
// kernel operation stays within it: a write is split into chunks of
// kWriteChunkBlocks (each data block may need a bitmap block, and a chunk
// touches at most 5 indirect blocks, each perhaps new, plus the inode), and
// freeing a file's blocks is done in steps of kFreeStepBlocks.
inline constexpr uint32_t kMaxOpBlocks = 64;
inline constexpr uint32_t kWriteChunkBlocks = (kMaxOpBlocks - 1 - 2 * 5 - 4) / 2;  // 24
inline constexpr uint32_t kFreeStepBlocks = kMaxOpBlocks / 2;
// The smallest log the kernel mounts: header plus room for three operations.
inline constexpr uint32_t kMinLogBlocks = 1 + 3 * kMaxOpBlocks;

// The header's checksum covers magic, count, sequence and the first
// `count` entries of blocks[] and sums[].
uint32_t log_header_checksum(const LogHeader& header);
// The checksum of a log slot holding the copy of home block `home`.
uint32_t log_slot_checksum(uint32_t home, const void* block);
// CRC-32C of the superblock's fields before `checksum` (never 0).
uint32_t superblock_checksum(const SuperBlock& sb);

// ---- layout and validation -----------------------------------------------------

// Plans a file system of `total_blocks` blocks. ninodes == 0 picks one inode
// per 16 KiB of space (at least 64); nlog == 0 picks about 1/128 of the space
// (at least kMinLogBlocks, at most 1 + kLogMaxEntries). Error::Invalid if the
// pieces do not fit or a count is out of range.
Result<SuperBlock> plan_layout(uint64_t total_blocks, uint32_t ninodes = 0, uint32_t nlog = 0);

// Checks every field of a superblock read from a device of `device_blocks`
// blocks: magic, version, block size, the regions in order without gaps or
// overlaps, each region large enough, everything inside the device, the
// reserved words zero, the checksum. Error::Malformed with a reason in *why
// (if non-null).
Result<void> validate_superblock(const SuperBlock& sb, uint64_t device_blocks, const char** why = nullptr);

// Block-number checks against a validated superblock.
inline bool is_data_block(const SuperBlock& sb, uint32_t b) { return b >= sb.datastart && b < sb.size; }
inline bool is_valid_inum(const SuperBlock& sb, uint32_t inum) { return inum >= 1 && inum < sb.ninodes; }
inline bool is_valid_type(uint16_t type) { return type == kTypeDir || type == kTypeFile || type == kTypeDevice; }

}  // namespace rivet::fs
