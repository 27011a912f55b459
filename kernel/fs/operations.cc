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

bool is_dot_or_dotdot(const char* name) { return names_equal(name, ".") || names_equal(name, ".."); }

// Allocates an inode of `type` and links it into the locked directory dp
// as `name`, in the caller's operation. Returns it locked. On failure
// nothing is left linked, and an inode it allocated is left in *unwanted
// (unlocked, nlink 0): the caller drops it with iput once dp is unlocked,
// which frees it.
Result<Inode*> make_inode(FileSystem& fs, Inode* dp, const char* name, uint16_t type, uint16_t major,
                          uint16_t minor, Inode** unwanted) {
  Inode* ip = TRY(ialloc(fs, type));
  auto locked = InodeLock::lock(ip);
  if (!locked.ok()) {
    // Cannot happen for an inode we just wrote; drop it as an orphan.
    *unwanted = ip;
    return locked.error();
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
    ip->nlink = 0;
    (void)iupdate(ip);
    *unwanted = ip;
    return r.error();
  }
  return locked.value().release();
}

// Creates `path` as an inode of `type`, or (type T_FILE only) returns the
// existing file or device of that name. Returns the inode locked.
Result<Inode*> create(const char* path, uint16_t type, uint16_t major, uint16_t minor) {
  FileSystem& fs = root_fs();
  char name[DIRSIZ];
  Inode* dp = TRY(nameiparent(fs, path, name));
  Inode* ip = nullptr;
  Inode* unwanted = nullptr;  // a new inode that could not be linked
  Error error = Error::None;
  {
    auto dir = InodeLock::lock(dp);
    if (!dir.ok()) {
      iput(dp);
      return dir.error();
    }
    if (dp->nlink == 0) {
      // A removed directory (someone's working directory): nothing new
      // may appear in it.
      error = Error::NotFound;
    } else if (auto existing = dirlookup(dp, name); existing.ok()) {
      ip = existing.value();
    } else if (existing.error() != Error::NotFound || is_dot_or_dotdot(name)) {
      error = existing.error();
    } else if (type == T_DIR && dp->nlink >= kMaxLinks) {
      error = Error::TooManyLinks;
    } else {
      // A new inode, linked into dp while dp stays locked.
      auto made = make_inode(fs, dp, name, type, major, minor, &unwanted);
      if (!made.ok()) error = made.error();
      else ip = made.value();
      if (error == Error::None) {
        dir.value().unlock();
        iput(dp);
        return ip;  // locked by make_inode
      }
    }
  }
  iput(dp);
  if (unwanted) iput(unwanted);  // with no inode locked: frees it
  if (error != Error::None) return error;
  // An existing entry, with the directory released first (parent before
  // child is the order, and the child is locked on its own here).
  auto locked = InodeLock::lock(ip);
  if (!locked.ok()) {
    iput(ip);
    return locked.error();
  }
  if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE)) return locked.value().release();
  Error e = (type == T_FILE && ip->type == T_DIR) ? Error::IsDirectory : Error::Exists;
  locked.value().unlock();
  iput(ip);
  return e;
}

// open's work on the locked inode ip (which create() or namei found):
// the checks, the File, and O_TRUNC (whose orphan, if any, goes to
// *orphan for the caller to drop once ip is unlocked).
Result<File*> open_locked(FileSystem& fs, Inode* ip, int flags, Inode** orphan) {
  int access = flags & O_ACCMODE;
  bool writes = access != O_RDONLY || (flags & O_TRUNC);
  if (ip->type == T_DIR && writes) return Error::IsDirectory;
  if (ip->type == T_DEVICE && !device_exists(ip->major)) return Error::NoDevice;
  // A read-only file system (a corrupt block was found) opens no file for
  // writing; devices are not its to refuse. (Creating fails in ialloc.)
  if (ip->type == T_FILE && writes && fs.read_only()) return Error::ReadOnly;
  // A running program's file keeps its contents: its text pages are the
  // cached file pages.
  if (ip->type == T_FILE && writes && __atomic_load_n(&ip->text_users, __ATOMIC_RELAXED) > 0)
    return Error::TextBusy;

  // Everything that can fail comes before the truncation, so a failed
  // open changes nothing.
  File* f = TRY(file_alloc());
  if ((flags & O_TRUNC) && ip->type == T_FILE) {
    auto truncated = itruncate(ip);
    if (!truncated.ok()) {
      file_close(f);
      return truncated.error();
    }
    *orphan = truncated.value();
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
  return f;
}

// Blocks a group frees are handed out again only once the group is
// installed (log.h), so right after a large delete an allocation can fail
// although the space is there. Runs `attempt` (which begins and ends its
// own operation) once more after installing, when that is why it failed;
// a failed attempt leaves nothing behind, so it can be repeated.
Result<File*> open_once(FileSystem& fs, const char* path, int flags);
Result<void> link_once(FileSystem& fs, const char* existing, const char* created);

template <typename Attempt>
auto with_space_retry(FileSystem& fs, Attempt&& attempt) -> decltype(attempt()) {
  auto r = attempt();
  if (r.ok() || r.error() != Error::NoSpace || !fs.space_pending()) return r;
  fs.log().sync();  // commits and installs: what the groups freed comes back
  return attempt();
}

}  // namespace

Result<File*> open(const char* path, int flags) {
  constexpr int kKnown = O_RDONLY | O_WRONLY | O_RDWR | O_CREATE | O_TRUNC | O_APPEND;
  if (flags & ~kKnown) return Error::Invalid;
  int access = flags & O_ACCMODE;
  if (access == O_ACCMODE) return Error::Invalid;  // both O_WRONLY and O_RDWR

  FileSystem& fs = root_fs();
  if (!(flags & O_CREATE)) return open_once(fs, path, flags);
  return with_space_retry(fs, [&] { return open_once(fs, path, flags); });
}

namespace {

Result<File*> open_once(FileSystem& fs, const char* path, int flags) {
  Operation op(fs.log());
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
  Inode* orphan = nullptr;
  Result<File*> opened = Error::Invalid;
  {
    InodeLock locked = InodeLock::adopt(ip);
    opened = open_locked(fs, ip, flags, &orphan);
  }
  // The file (or the reference, on failure) with no inode locked any more:
  // the orphan may take several operations to free.
  if (!opened.ok()) iput(ip);
  if (orphan) iput(orphan);
  return opened;
}

}  // namespace

Result<void> make_node(const char* path, int major, int minor) {
  if (major < 0 || major > 0xffff || minor < 0 || minor > 0xffff) return Error::Invalid;
  TRY(root_fs().check_writable());
  return with_space_retry(root_fs(), [&]() -> Result<void> {
    Operation op(root_fs().log());
    Inode* ip = TRY(create(path, T_DEVICE, static_cast<uint16_t>(major), static_cast<uint16_t>(minor)));
    // create() hands back an existing file for T_FILE only, so this is new.
    iunlockput(ip);
    return {};
  });
}

Result<void> make_directory(const char* path) {
  TRY(root_fs().check_writable());
  return with_space_retry(root_fs(), [&]() -> Result<void> {
    Operation op(root_fs().log());
    Inode* ip = TRY(create(path, T_DIR, 0, 0));
    iunlockput(ip);
    return {};
  });
}

namespace {

// unlink's work once dp is locked: removes the entry at `off` naming ip.
Result<void> unlink_entry(Inode* dp, Inode* ip, uint64_t off) {
  InodeLock locked = TRY(InodeLock::lock(ip));
  if (ip->nlink < 1) return Error::Malformed;
  if (ip->type == T_DIR) {
    bool empty = TRY(dir_is_empty(ip));
    if (!empty) return Error::NotEmpty;
  }
  TRY(dirunlink(dp, off));
  if (ip->type == T_DIR) {
    dp->nlink--;  // the removed directory's ".."
    TRY(iupdate(dp));
  }
  ip->nlink--;
  TRY(iupdate(ip));
  // A file nobody has open any more: data waiting for write-back goes.
  drop_if_unreferenced(ip);
  return {};
}

}  // namespace

Result<void> unlink(const char* path) {
  FileSystem& fs = root_fs();
  TRY(fs.check_writable());
  Operation op(fs.log());
  char name[DIRSIZ];
  Inode* dp = TRY(nameiparent(fs, path, name));
  if (is_dot_or_dotdot(name)) {
    iput(dp);
    return Error::Invalid;
  }
  Inode* ip = nullptr;
  Result<void> r;
  {
    auto dir = InodeLock::lock(dp);
    if (!dir.ok()) {
      iput(dp);
      return dir.error();
    }
    uint64_t off = 0;
    auto found = dirlookup(dp, name, &off);
    if (!found.ok()) {
      r = found.error();
    } else {
      ip = found.value();
      // Only a corrupt directory names itself other than as "."; locking
      // it twice would hang.
      r = ip == dp ? Result<void>(Error::Malformed) : unlink_entry(dp, ip, off);
    }
  }
  // Release the directory before what may be the last reference to the
  // file: freeing it can span operations.
  iput(dp);
  if (ip) iput(ip);
  return r;
}

namespace {

// link's checks on the existing file.
Result<void> linkable(Inode* ip) {
  InodeLock locked = TRY(InodeLock::lock(ip));
  if (ip->type == T_DIR) return Error::NotPermitted;
  if (ip->nlink >= kMaxLinks) return Error::TooManyLinks;
  return {};
}

// Adds the entry `name` for ip to dp.
Result<void> add_link(Inode* dp, const char* name, Inode* ip) {
  InodeLock locked = TRY(InodeLock::lock(dp));
  if (dp->nlink == 0) return Error::NotFound;  // a removed directory
  if (is_dot_or_dotdot(name)) return Error::Exists;
  return dirlink(dp, name, ip->inum);
}

// Counts the new entry. (If the file was unlinked meanwhile, this brings
// it back from nlink 0, which is consistent.)
Result<void> count_link(Inode* ip) {
  InodeLock locked = TRY(InodeLock::lock(ip));
  ip->nlink++;
  return iupdate(ip);
}

}  // namespace

Result<void> link(const char* existing, const char* created) {
  FileSystem& fs = root_fs();
  TRY(fs.check_writable());
  return with_space_retry(fs, [&] { return link_once(fs, existing, created); });
}

namespace {

Result<void> link_once(FileSystem& fs, const char* existing, const char* created) {
  Operation op(fs.log());
  Inode* ip = TRY(namei(fs, existing));
  Result<void> r = linkable(ip);
  if (r.ok()) {
    char name[DIRSIZ];
    auto parent = nameiparent(fs, created, name);
    if (!parent.ok()) {
      r = parent.error();
    } else {
      r = add_link(parent.value(), name, ip);
      iput(parent.value());
      if (r.ok()) r = count_link(ip);
    }
  }
  iput(ip);
  return r;
}

}  // namespace

Result<void> change_directory(const char* path) {
  FileSystem& fs = root_fs();
  Process* p = current();
  Operation op(fs.log());
  Inode* ip = TRY(namei(fs, path));
  bool is_dir = false;
  Result<void> r;
  {
    auto locked = InodeLock::lock(ip);
    if (locked.ok()) is_dir = ip->type == T_DIR;
    else r = locked.error();
  }
  if (r.ok() && !is_dir) r = Error::NotDirectory;
  if (!r.ok()) {
    iput(ip);
    return r;
  }
  Inode* old = p->cwd;
  p->cwd = ip;
  if (old) iput(old);
  return {};
}

}  // namespace rivet::fs
