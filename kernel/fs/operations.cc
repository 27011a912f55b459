#include "kernel/fs/operations.h"

#include "kernel/fs/page_cache.h"

#include <string.h>

#include "kernel/fs/device.h"
#include "kernel/fs/directory.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/page_cache.h"
#include "kernel/fs/path.h"
#include "kernel/proc/process.h"
#include "kernel/sys/abi.h"

namespace rivet::fs {

namespace {

constexpr uint16_t kMaxLinks = 0xffff;

// Brackets a scope with an operation on the root file system.
class [[nodiscard]] Operation {
 public:
  Operation() : log_(root_fs().log()) { log_.begin_op(); }
  ~Operation() { log_.end_op(); }
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

 private:
  Log& log_;
};

bool is_dot_or_dotdot(const char* name) { return names_equal(name, ".") || names_equal(name, ".."); }

// Creates `path` as an inode of `type`, or (type T_FILE only) returns the
// existing file or device of that name. Returns the inode locked.
Result<Inode*> create(const char* path, uint16_t type, uint16_t major, uint16_t minor) {
  FileSystem& fs = root_fs();
  char name[DIRSIZ];
  Inode* dp = TRY(nameiparent(fs, path, name));
  if (auto r = ilock(dp); !r.ok()) {
    iput(dp);
    return r.error();
  }
  if (dp->nlink == 0) {
    // A removed directory (someone's working directory): nothing new
    // may appear in it.
    iunlockput(dp);
    return Error::NotFound;
  }
  auto existing = dirlookup(dp, name);
  if (existing.ok()) {
    iunlockput(dp);
    Inode* ip = existing.value();
    if (auto r = ilock(ip); !r.ok()) {
      iput(ip);
      return r.error();
    }
    if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE)) return ip;
    Error e = (type == T_FILE && ip->type == T_DIR) ? Error::IsDirectory : Error::Exists;
    iunlockput(ip);
    return e;
  }
  if (existing.error() != Error::NotFound || is_dot_or_dotdot(name)) {
    iunlockput(dp);
    return existing.ok() ? Error::Exists : existing.error();
  }
  if (type == T_DIR && dp->nlink >= kMaxLinks) {
    iunlockput(dp);
    return Error::TooManyLinks;
  }

  auto allocated = ialloc(fs, type);
  if (!allocated.ok()) {
    iunlockput(dp);
    return allocated.error();
  }
  Inode* ip = allocated.value();
  Error error = Error::None;
  if (auto r = ilock(ip); !r.ok()) {
    // Cannot happen for an inode we just wrote; drop it as an orphan.
    iunlockput(dp);
    iput(ip);
    return r.error();
  }
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  Result<void> r = iupdate(ip);
  if (r.ok() && type == T_DIR) {
    r = dirlink(ip, ".", ip->inum);
    if (r.ok()) r = dirlink(ip, "..", dp->inum);
  }
  if (r.ok()) r = dirlink(dp, name, ip->inum);
  if (r.ok() && type == T_DIR) {
    dp->nlink++;  // the new directory's ".."
    r = iupdate(dp);
  }
  if (!r.ok()) {
    // Undo inside the same operation: nlink 0 frees the inode and any
    // block it got when the last reference goes, so nothing leaks.
    error = r.error();
    ip->nlink = 0;
    (void)iupdate(ip);
    iunlock(ip);
    iunlockput(dp);
    iput(ip);
    return error;
  }
  iunlockput(dp);
  return ip;
}

}  // namespace

Result<File*> open(const char* path, int flags) {
  constexpr int kKnown = O_RDONLY | O_WRONLY | O_RDWR | O_CREATE | O_TRUNC | O_APPEND;
  if (flags & ~kKnown) return Error::Invalid;
  int access = flags & O_ACCMODE;
  if (access == O_ACCMODE) return Error::Invalid;  // both O_WRONLY and O_RDWR

  FileSystem& fs = root_fs();
  Operation op;
  Inode* ip;
  if (flags & O_CREATE) {
    ip = TRY(create(path, T_FILE, 0, 0));
  } else {
    ip = TRY(namei(fs, path));
    if (auto r = ilock(ip); !r.ok()) {
      iput(ip);
      return r.error();
    }
  }
  auto fail = [ip](Error e) -> Result<File*> {
    iunlockput(ip);
    return e;
  };
  if (ip->type == T_DIR && (access != O_RDONLY || (flags & O_TRUNC))) return fail(Error::IsDirectory);
  if (ip->type == T_DEVICE && !device_exists(ip->major)) return fail(Error::NoDevice);
  // A read-only file system (a corrupt block was found) opens no file for
  // writing; devices are not its to refuse. (Creating fails in ialloc.)
  if (ip->type == T_FILE && (access != O_RDONLY || (flags & O_TRUNC)) && fs.read_only())
    return fail(Error::ReadOnly);
  // A running program's file keeps its contents: its text pages are the
  // cached file pages.
  if (ip->type == T_FILE && (access != O_RDONLY || (flags & O_TRUNC)) &&
      __atomic_load_n(&ip->text_users, __ATOMIC_RELAXED) > 0)
    return fail(Error::TextBusy);

  // Everything that can fail comes before the truncation, so a failed
  // open changes nothing.
  auto allocated = file_alloc();
  if (!allocated.ok()) return fail(allocated.error());
  File* f = allocated.value();

  Inode* orphan = nullptr;
  if ((flags & O_TRUNC) && ip->type == T_FILE) {
    if (blocks_fit_one_step(ip)) {
      auto r = free_blocks_step(ip);
      if (!r.ok() || !r.value()) {
        file_close(f);
        return fail(r.ok() ? Error::Io : r.error());
      }
    } else {
      // Too many blocks to free in this operation. Hand them to a fresh
      // unlinked inode in one atomic step; it is freed below, operation by
      // operation, and a crash part-way leaves an orphan the next mount
      // frees.
      auto o = ialloc(fs, T_FILE);
      if (!o.ok()) {
        file_close(f);
        return fail(o.error());
      }
      orphan = o.value();
      Result<void> r = ilock(orphan);
      if (r.ok()) {
        // The orphan takes the blocks on the disk; what only the cache
        // held goes with the truncation.
        cache_truncate(ip, 0);
        orphan->size = orphan->disk_size = ip->disk_size;
        memcpy(orphan->addrs, ip->addrs, sizeof orphan->addrs);
        orphan->nlink = 0;
        r = iupdate(orphan);
        if (r.ok()) {
          ip->size = ip->disk_size = 0;
          memset(ip->addrs, 0, sizeof ip->addrs);
          r = iupdate(ip);
        }
        iunlock(orphan);
      }
      if (!r.ok()) {
        iput(orphan);
        file_close(f);
        return fail(r.error());
      }
    }
  }

  if (ip->type == T_DEVICE) {
    f->kind = File::Kind::Device;
    f->major = static_cast<int16_t>(ip->major);
    f->minor = static_cast<int16_t>(ip->minor);
  } else {
    f->kind = File::Kind::Inode;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = access != O_WRONLY;
  f->writable = access != O_RDONLY;
  if (f->kind == File::Kind::Inode) __atomic_fetch_add(&ip->opens, 1, __ATOMIC_RELAXED);
  if (f->kind == File::Kind::Inode && f->writable) __atomic_fetch_add(&ip->writers, 1, __ATOMIC_RELAXED);
  f->append = (flags & O_APPEND) != 0;
  iunlock(ip);
  if (orphan) iput(orphan);  // with no other inode locked: may take several operations
  return f;
}

Result<void> make_node(const char* path, int major, int minor) {
  if (major < 0 || major > 0xffff || minor < 0 || minor > 0xffff) return Error::Invalid;
  TRY(root_fs().check_writable());
  Operation op;
  Inode* ip = TRY(create(path, T_DEVICE, static_cast<uint16_t>(major), static_cast<uint16_t>(minor)));
  // create() hands back an existing file for T_FILE only, so this is new.
  iunlockput(ip);
  return {};
}

Result<void> make_directory(const char* path) {
  TRY(root_fs().check_writable());
  Operation op;
  Inode* ip = TRY(create(path, T_DIR, 0, 0));
  iunlockput(ip);
  return {};
}

Result<void> unlink(const char* path) {
  FileSystem& fs = root_fs();
  TRY(fs.check_writable());
  Operation op;
  char name[DIRSIZ];
  Inode* dp = TRY(nameiparent(fs, path, name));
  if (is_dot_or_dotdot(name)) {
    iput(dp);
    return Error::Invalid;
  }
  if (auto r = ilock(dp); !r.ok()) {
    iput(dp);
    return r.error();
  }
  uint64_t off = 0;
  auto found = dirlookup(dp, name, &off);
  if (!found.ok()) {
    iunlockput(dp);
    return found.error();
  }
  Inode* ip = found.value();
  if (ip == dp) {
    // Only a corrupt directory names itself other than as "."; locking it
    // twice would hang.
    iunlockput(dp);
    iput(ip);
    return Error::Malformed;
  }
  if (auto r = ilock(ip); !r.ok()) {
    iunlockput(dp);
    iput(ip);
    return r.error();
  }
  Error error = Error::None;
  if (ip->nlink < 1) {
    error = Error::Malformed;
  } else if (ip->type == T_DIR) {
    auto empty = dir_is_empty(ip);
    if (!empty.ok()) error = empty.error();
    else if (!empty.value()) error = Error::NotEmpty;
  }
  if (error == Error::None) {
    auto r = dirunlink(dp, off);
    if (r.ok() && ip->type == T_DIR) {
      dp->nlink--;  // the removed directory's ".."
      r = iupdate(dp);
    }
    if (r.ok()) {
      ip->nlink--;
      r = iupdate(ip);
    }
    if (!r.ok()) error = r.error();
  }
  // A file nobody has open any more: data waiting for write-back goes.
  if (error == Error::None) drop_if_unreferenced(ip);
  // Release the directory before what may be the last reference to the
  // file: freeing it can span operations.
  iunlock(ip);
  iunlockput(dp);
  iput(ip);
  if (error != Error::None) return error;
  return {};
}

Result<void> link(const char* existing, const char* created) {
  FileSystem& fs = root_fs();
  TRY(fs.check_writable());
  Operation op;
  Inode* ip = TRY(namei(fs, existing));
  if (auto r = ilock(ip); !r.ok()) {
    iput(ip);
    return r.error();
  }
  Error error = Error::None;
  if (ip->type == T_DIR) error = Error::NotPermitted;
  else if (ip->nlink >= kMaxLinks) error = Error::TooManyLinks;
  iunlock(ip);
  if (error != Error::None) {
    iput(ip);
    return error;
  }

  char name[DIRSIZ];
  auto parent = nameiparent(fs, created, name);
  if (!parent.ok()) {
    iput(ip);
    return parent.error();
  }
  Inode* dp = parent.value();
  Result<void> r = ilock(dp);
  if (r.ok()) {
    if (dp->nlink == 0) r = Error::NotFound;  // a removed directory
    else if (is_dot_or_dotdot(name)) r = Error::Exists;
    else r = dirlink(dp, name, ip->inum);
    iunlock(dp);
  }
  iput(dp);
  if (r.ok()) {
    // The entry exists, so count it. (If the file was unlinked meanwhile,
    // this brings it back from nlink 0, which is consistent.)
    r = ilock(ip);
    if (r.ok()) {
      ip->nlink++;
      r = iupdate(ip);
      iunlock(ip);
    }
  }
  iput(ip);
  return r;
}

Result<void> change_directory(const char* path) {
  FileSystem& fs = root_fs();
  Process* p = current();
  Operation op;
  Inode* ip = TRY(namei(fs, path));
  if (auto r = ilock(ip); !r.ok()) {
    iput(ip);
    return r.error();
  }
  bool is_dir = ip->type == T_DIR;
  iunlock(ip);
  if (!is_dir) {
    iput(ip);
    return Error::NotDirectory;
  }
  Inode* old = p->cwd;
  p->cwd = ip;
  if (old) iput(old);
  return {};
}

}  // namespace rivet::fs
