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
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace rivet::fs {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the on-disk format is little-endian");

inline constexpr uint32_t kBlockSize = 4096;
inline constexpr uint32_t kSectorsPerBlock = kBlockSize / 512;

inline constexpr uint32_t kMagic = 0x46544952;  // "RITF" in memory order: Rivet Inode Table FS
inline constexpr uint32_t kVersion = 1;
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
  uint32_t reserved[19];  // zero
};
static_assert(sizeof(SuperBlock) == 128);

// ---- inodes ------------------------------------------------------------------

inline constexpr uint32_t kDirect = 12;
inline constexpr uint32_t kAddrsPerBlock = kBlockSize / sizeof(uint32_t);  // 1024
// addrs[] slots: 12 direct, then one single, one double, one triple indirect.
inline constexpr uint32_t kSingleSlot = kDirect;
inline constexpr uint32_t kDoubleSlot = kDirect + 1;
inline constexpr uint32_t kTripleSlot = kDirect + 2;
inline constexpr uint32_t kAddrSlots = kDirect + 3;

inline constexpr uint64_t kSingleBlocks = kAddrsPerBlock;
inline constexpr uint64_t kDoubleBlocks = kSingleBlocks * kAddrsPerBlock;
inline constexpr uint64_t kTripleBlocks = kDoubleBlocks * kAddrsPerBlock;
// File blocks a file can map; its largest size is this times kBlockSize
// (just over 4 TiB).
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
  uint32_t reserved[13];
};
static_assert(sizeof(DiskInode) == 128);
static_assert((sizeof(DiskInode) & (sizeof(DiskInode) - 1)) == 0, "a power of two");

inline constexpr uint32_t kInodesPerBlock = kBlockSize / sizeof(DiskInode);  // 32

inline uint32_t inode_block(const SuperBlock& sb, uint32_t inum) {
  return sb.inodestart + inum / kInodesPerBlock;
}

// ---- bitmap ------------------------------------------------------------------

inline constexpr uint32_t kBitsPerBlock = kBlockSize * 8;

inline uint32_t bitmap_block(const SuperBlock& sb, uint32_t block) {
  return sb.bmapstart + block / kBitsPerBlock;
}

// ---- directories ---------------------------------------------------------------

struct DirEntry {
  uint32_t inum;        // 0 = empty slot
  char name[kNameSize];  // NUL-padded; at most kNameSize-1 characters
};
static_assert(sizeof(DirEntry) == 64);
inline constexpr uint32_t kDirEntriesPerBlock = kBlockSize / sizeof(DirEntry);

// ---- log -----------------------------------------------------------------------

// The log header, the first log block. A transaction is committed when a
// header with count > 0 and a matching checksum is on disk; the checksum
// makes a torn header write read as "no transaction", which is right,
// because the home locations are not touched before the header is durable.
inline constexpr uint32_t kLogMagic = 0x474f4c52;  // "RLOG"
inline constexpr uint32_t kLogMaxEntries = 1020;

struct LogHeader {
  uint32_t magic;     // kLogMagic when count > 0
  uint32_t count;     // logged blocks; 0 = nothing to replay
  uint32_t sequence;  // commit number, for diagnostics
  uint32_t checksum;  // log_header_checksum() of this header
  uint32_t blocks[kLogMaxEntries];  // home location of log slot i (block logstart+1+i)
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

// CRC-32C (Castagnoli) of a byte range; used for the log header.
uint32_t crc32c(const void* data, size_t size);
uint32_t log_header_checksum(const LogHeader& header);

// ---- layout and validation -----------------------------------------------------

// Plans a file system of `total_blocks` blocks. ninodes == 0 picks one inode
// per 16 KiB of space (at least 64); nlog == 0 picks about 1/128 of the space
// (at least kMinLogBlocks, at most 1 + kLogMaxEntries). Error::Invalid if the
// pieces do not fit or a count is out of range.
Result<SuperBlock> plan_layout(uint64_t total_blocks, uint32_t ninodes = 0, uint32_t nlog = 0);

// Checks every field of a superblock read from a device of `device_blocks`
// blocks: magic, version, block size, the regions in order without gaps or
// overlaps, each region large enough, everything inside the device, the
// reserved words zero. Error::Malformed with a reason in *why (if non-null).
Result<void> validate_superblock(const SuperBlock& sb, uint64_t device_blocks, const char** why = nullptr);

// Block-number checks against a validated superblock.
inline bool is_data_block(const SuperBlock& sb, uint32_t b) { return b >= sb.datastart && b < sb.size; }
inline bool is_valid_inum(const SuperBlock& sb, uint32_t inum) { return inum >= 1 && inum < sb.ninodes; }
inline bool is_valid_type(uint16_t type) { return type == kTypeDir || type == kTypeFile || type == kTypeDevice; }

}  // namespace rivet::fs
