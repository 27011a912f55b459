"""Reads and patches Rivet disk images: the GPT and the root file system.

The one Python copy of the on-disk format, for tests that inspect or damage
an image (test_checksum.py, test_corrupt.py, fs_tools_test.py). Each
constant is stated once, next to the name of the C++ header it mirrors:
kernel/fs/format.h (the file system), kernel/block/gpt.h and gpt.cc (the
partition table), kernel/sys/abi_layout.h (the same sizes as the SDK sees
them). A change there must be made here too; the tests that use this module
then fail loudly (a wrong version, a checksum rivet-fsck rejects) rather
than quietly.

Block numbers are file-system block numbers; Image adds the partition's
byte offset.
"""
import struct
import uuid
import zlib

# ---- GPT: kernel/block/gpt.h, gpt.cc ----------------------------------------------

SECTOR = 512            # kSectorSize (kernel/block/sector.h)
GPT_HEADER_LBA = 1      # the primary header; the backup is the disk's last sector
GPT_HEADER_SIZE = 12    # header field offsets (gpt.cc): the header's size,
GPT_HEADER_CRC = 16     # its CRC,
GPT_ENTRY_LBA = 72      # kEntryLba: where the entry array is,
GPT_ENTRY_COUNT = 80    # kEntryCount, then kEntrySize at 84,
GPT_ENTRIES_CRC = 88    # kEntriesCrc
GPT_FIRST_LBA = 32      # entry field offsets (struct Partition): type GUID at 0,
GPT_LAST_LBA = 40       # unique GUID at 16, first and last LBA (inclusive)


def gpt_crc(data):
    """CRC-32 as GPT uses it (gpt.h's crc32: zlib's)."""
    return zlib.crc32(bytes(data))


def gpt_read(f, header_lba=GPT_HEADER_LBA):
    """(header sector, entry-array LBA, entry count, entry size, entry array)
    of the GPT header at `header_lba` of the open file `f`; the header and
    array are bytearrays to patch and pass to gpt_restamp."""
    f.seek(header_lba * SECTOR)
    header = bytearray(f.read(SECTOR))
    entries_lba, count, size = struct.unpack_from("<QII", header, GPT_ENTRY_LBA)
    f.seek(entries_lba * SECTOR)
    table = bytearray(f.read(count * size))
    return header, entries_lba, count, size, table


def gpt_restamp(header, table):
    """Recomputes a GPT header's entries CRC and header CRC in place."""
    struct.pack_into("<I", header, GPT_ENTRIES_CRC, gpt_crc(table))
    hsize, = struct.unpack_from("<I", header, GPT_HEADER_SIZE)
    struct.pack_into("<I", header, GPT_HEADER_CRC, 0)
    struct.pack_into("<I", header, GPT_HEADER_CRC, gpt_crc(header[:hsize]))


def disk_sectors(disk):
    with open(disk, "rb") as f:
        f.seek(0, 2)
        return f.tell() // SECTOR


def partitions(disk):
    """(type GUID text, first byte, end byte, entry index) of every used
    entry of the primary GPT."""
    with open(disk, "rb") as f:
        _, _, count, size, table = gpt_read(f)
    out = []
    for i in range(count):
        e = table[i * size:(i + 1) * size]
        if e[:16] == bytes(16):
            continue
        first, last = struct.unpack_from("<QQ", e, GPT_FIRST_LBA)
        out.append((str(uuid.UUID(bytes_le=bytes(e[:16]))).upper(), first * SECTOR, (last + 1) * SECTOR, i))
    return out


# ---- the file system: kernel/fs/format.h -------------------------------------------

BLOCK = 4096            # kBlockSize (RIVET_ABI_BLOCK_SIZE in abi_layout.h)
MAGIC = 0x46544952      # kMagic
VERSION = 2             # kVersion
SUPERBLOCK = 1          # kSuperBlockNumber
ROOT_INODE = 1          # kRootInode
T_DIR, T_FILE, T_DEVICE = 1, 2, 3  # kTypeDir, kTypeFile, kTypeDevice
NAME_SIZE = 60          # kNameSize
ROOT_TYPE = "B2A45E6C-0F3A-4B8E-9C1D-524956455446"  # kRootPartitionTypeText

# enum class BlockKind
DATA, SUPER, INODE, BITMAP, DIRECTORY, INDIRECT, LOG = range(7)
CHECKSUM_OFFSET = BLOCK - 4  # kChecksumOffset: a checksummed block's last word

# struct SuperBlock: 13 u32 fields, reserved[18], checksum
SB_KEYS = ["magic", "version", "block_size", "size", "nblocks", "ninodes", "nlog", "logstart",
           "inodestart", "ninodeblocks", "bmapstart", "nbmapblocks", "datastart"]
SB_RESERVED = 4 * len(SB_KEYS)   # offset of reserved[0]
SB_CHECKSUM = 124                # offset of checksum

# struct DiskInode (128 bytes): type, major, minor, nlink (u16), size (u64),
# addrs[kAddrSlots] (u32), reserved[12], tail
INODE_SIZE = 128
INODES_PER_BLOCK = BLOCK // INODE_SIZE   # kInodesPerBlock
INODE_FIELDS = {"type": (0, "<H"), "major": (2, "<H"), "minor": (4, "<H"), "nlink": (6, "<H"),
                "size": (8, "<Q")}
INODE_ADDRS = 16                         # offset of addrs[0]
DIRECT = 12                              # kDirect (RIVET_ABI_DIRECT_BLOCKS)
SINGLE_SLOT, DOUBLE_SLOT, TRIPLE_SLOT = DIRECT, DIRECT + 1, DIRECT + 2  # kSingleSlot ...
ADDR_SLOTS = DIRECT + 3                  # kAddrSlots
ADDRS_PER_BLOCK = CHECKSUM_OFFSET // 4   # kAddrsPerBlock: an indirect block's pointers

BITMAP_BYTES = CHECKSUM_OFFSET           # kBitmapBytesPerBlock
BITS_PER_BLOCK = BITMAP_BYTES * 8        # kBitsPerBlock

# struct DirEntry: inum (u32), name[kNameSize], NUL-padded
DIRENT_SIZE = 64
DIR_ENTRIES_PER_BLOCK = BLOCK // DIRENT_SIZE - 1  # kDirEntriesPerBlock (the last slot is the tail)

# struct LogHeader: magic, count, sequence, checksum, blocks[510], sums[510]
LOG_MAGIC = 0x474f4c52                   # kLogMagic
LOG_MAX_ENTRIES = 510                    # kLogMaxEntries
LOG_CHECKSUM = 12                        # offset of checksum
LOG_BLOCKS = 16                          # offset of blocks[0]
LOG_SUMS = LOG_BLOCKS + 4 * LOG_MAX_ENTRIES  # offset of sums[0]


def parse_superblock(data):
    """The superblock's fields (SB_KEYS) from the first bytes of block 1."""
    return dict(zip(SB_KEYS, struct.unpack_from("<%dI" % len(SB_KEYS), data, 0)))


def inode_place(sb, inum):
    """(block, byte offset in it) of inode `inum` (format.h's inode_block)."""
    return sb["inodestart"] + inum // INODES_PER_BLOCK, (inum % INODES_PER_BLOCK) * INODE_SIZE


def bitmap_place(sb, block):
    """(bitmap block, byte offset, bit) of `block`'s bit (format.h's bitmap_block)."""
    bit = block % BITS_PER_BLOCK
    return sb["bmapstart"] + block // BITS_PER_BLOCK, bit // 8, bit % 8


# ---- checksums: kernel/fs/format.cc -------------------------------------------------


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c_extend(crc, data):
    """Continues a CRC-32C: crc32c_extend(crc32c(a), b) == crc32c(a + b)."""
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ _CRC32C_TABLE[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


def crc32c(data):
    return crc32c_extend(0, data)


assert crc32c(b"123456789") == 0xE3069283


def _never_zero(crc):
    return crc or 1


def block_checksum(kind, blockno, block):
    """CRC-32C of (kind, blockno) and the block before its tail; never 0."""
    return _never_zero(crc32c_extend(crc32c(struct.pack("<II", kind, blockno)), block[:CHECKSUM_OFFSET]))


def superblock_checksum(sb_bytes):
    return _never_zero(crc32c_extend(crc32c(struct.pack("<II", SUPER, SUPERBLOCK)), sb_bytes[:SB_CHECKSUM]))


def log_header_checksum(header):
    """Over magic, count, sequence and the first `count` blocks[] and sums[]."""
    _, count, _ = struct.unpack_from("<III", header, 0)
    n = min(count, LOG_MAX_ENTRIES)
    crc = crc32c(header[:LOG_CHECKSUM])
    crc = crc32c_extend(crc, header[LOG_BLOCKS:LOG_BLOCKS + 4 * n])
    crc = crc32c_extend(crc, header[LOG_SUMS:LOG_SUMS + 4 * n])
    return _never_zero(crc)


def log_slot_checksum(home, block):
    """The checksum of a log slot holding a copy of home block `home`."""
    return _never_zero(crc32c_extend(crc32c(struct.pack("<II", LOG, home)), block))


def stamp(data, blockno, kind):
    """Writes the checksum of `kind` into the bytearray `data`, block
    `blockno`. SUPER: the superblock's checksum field; LOG: the log header's
    (data is the header); any other kind: the block's tail."""
    if kind == SUPER:
        struct.pack_into("<I", data, SB_CHECKSUM, superblock_checksum(bytes(data)))
    elif kind == LOG:
        struct.pack_into("<I", data, LOG_CHECKSUM, 0)
        struct.pack_into("<I", data, LOG_CHECKSUM, log_header_checksum(bytes(data)))
    else:
        struct.pack_into("<I", data, CHECKSUM_OFFSET, block_checksum(kind, blockno, bytes(data)))


# ---- an image ---------------------------------------------------------------------


class Image:
    """The Rivet file system of a disk image: at byte `base`, or (base=None)
    in the GPT's first Rivet root partition. With check=True the superblock
    must carry this format's version."""

    def __init__(self, disk, base=None, check=True):
        self.disk = disk
        self.patched = set()   # blocks patch() changed
        self.end = self.entry_index = None
        if base is None:
            root = [p for p in partitions(disk) if p[0] == ROOT_TYPE]
            assert root, "no Rivet root partition in " + disk
            base, self.end, self.entry_index = root[0][1:]
        self.base = base
        self.sb = parse_superblock(self.read(SUPERBLOCK))
        if check:
            assert self.sb["version"] == VERSION, self.sb

    # blocks ----------------------------------------------------------------
    def read(self, block):
        with open(self.disk, "rb") as f:
            f.seek(self.base + block * BLOCK)
            return f.read(BLOCK)

    def write(self, block, data):
        assert len(data) == BLOCK
        with open(self.disk, "r+b") as f:
            f.seek(self.base + block * BLOCK)
            f.write(data)

    def snapshot(self):
        """The whole file system (sb size blocks) as bytes."""
        with open(self.disk, "rb") as f:
            f.seek(self.base)
            return f.read(self.sb["size"] * BLOCK)

    def patch(self, block, offset, fmt, value, kind=DATA, stamped=False):
        """Changes one field of a block in place: `value` packed with `fmt`,
        or bytes copied as they are (fmt None). stamped: recompute the
        block's checksum of `kind` (see stamp), else leave it stale."""
        self.patched.add(block)
        data = bytearray(self.read(block))
        if isinstance(value, bytes):
            data[offset:offset + len(value)] = value
        else:
            struct.pack_into(fmt, data, offset, value)
        if stamped:
            stamp(data, block, kind)
        self.write(block, bytes(data))

    # inodes and directories --------------------------------------------------
    def inode_place(self, inum):
        return inode_place(self.sb, inum)

    def inode(self, inum):
        block, off = self.inode_place(inum)
        data = self.read(block)
        t, major, minor, nlink, size = struct.unpack_from("<HHHHQ", data, off)
        addrs = list(struct.unpack_from("<%dI" % ADDR_SLOTS, data, off + INODE_ADDRS))
        return {"type": t, "major": major, "minor": minor, "nlink": nlink, "size": size, "addrs": addrs}

    def dir_blocks(self, inum):
        ino = self.inode(inum)
        n = (ino["size"] + BLOCK - 1) // BLOCK
        assert n <= DIRECT, "test directories use direct blocks only"
        return ino["addrs"][:n]

    def entries(self, inum):
        """(block, offset, inum, name) of every used entry of a directory."""
        out = []
        for b in self.dir_blocks(inum):
            data = self.read(b)
            for k in range(DIR_ENTRIES_PER_BLOCK):
                off = k * DIRENT_SIZE
                n, = struct.unpack_from("<I", data, off)
                if n:
                    out.append((b, off, n, data[off + 4:off + DIRENT_SIZE].rstrip(b"\0").decode()))
        return out

    def lookup(self, path):
        inum = ROOT_INODE
        for part in path.strip("/").split("/"):
            found = [e for e in self.entries(inum) if e[3] == part]
            assert found, "no %s on the image" % path
            inum = found[0][2]
        return inum

    def entry(self, path):
        """The directory entry (as entries() gives it) naming `path`."""
        parent, name = path.rsplit("/", 1)
        found = [e for e in self.entries(self.lookup(parent) if parent else ROOT_INODE) if e[3] == name]
        assert found, "no entry for " + path
        return found[0]

    def free_inode(self):
        for inum in range(2, self.sb["ninodes"]):
            if self.inode(inum)["type"] == 0:
                return inum
        raise AssertionError("no free inode")

    # the bitmap ----------------------------------------------------------------
    def bitmap_free(self):
        """The blocks the bitmap marks free."""
        free = set()
        for i in range(self.sb["nbmapblocks"]):
            data = self.read(self.sb["bmapstart"] + i)
            for byte in range(BITMAP_BYTES):
                if data[byte] != 0xFF:
                    for bit in range(8):
                        if not data[byte] >> bit & 1:
                            b = (i * BITMAP_BYTES + byte) * 8 + bit
                            if b < self.sb["size"]:
                                free.add(b)
        return free
