#include "kernel/fs/path.h"

#include <string.h>

#include "kernel/fs/directory.h"
#include "kernel/fs/filesystem.h"
#include "kernel/proc/process.h"
#include "kernel/sys/abi.h"

namespace rivet::fs {

namespace {

// Copies the next component of *path into name and advances *path past it
// and any slashes after it. Returns 0 at the end of the path, 1 for a
// component, or an error for one that is too long.
Result<int> next_component(const char** path, char name[DIRSIZ]) {
  const char* p = *path;
  while (*p == '/') p++;
  if (*p == '\0') return 0;
  const char* start = p;
  while (*p != '/' && *p != '\0') p++;
  size_t len = static_cast<size_t>(p - start);
  if (len >= DIRSIZ) return Error::NameTooLong;
  memcpy(name, start, len);
  memset(name + len, 0, DIRSIZ - len);
  while (*p == '/') p++;
  *path = p;
  return 1;
}

Result<Inode*> walk(FileSystem& fs, const char* path, bool parent, char name[DIRSIZ]) {
  size_t len = 0;
  while (len < MAXPATH && path[len]) len++;
  if (len >= MAXPATH) return Error::NameTooLong;
  if (len == 0) return Error::NotFound;

  Inode* ip;
  Process* p = current();
  if (*path == '/' || !p || !p->cwd) ip = idup(fs.root());
  else ip = idup(p->cwd);

  for (;;) {
    auto more = next_component(&path, name);
    if (!more.ok()) {
      iput(ip);
      return more.error();
    }
    if (more.value() == 0) break;
    Result<Inode*> next = Error::NotDirectory;
    {
      auto locked = InodeLock::lock(ip);
      if (!locked.ok()) {
        next = locked.error();
      } else if (ip->type == T_DIR) {
        // The last component: stop one level early.
        if (parent && *path == '\0') return ip;  // (unlocked as the guard goes)
        next = dirlookup(ip, name);
      }
    }
    iput(ip);
    if (!next.ok()) return next.error();
    ip = next.value();
  }
  if (parent) {
    // Only slashes: no last component to name.
    iput(ip);
    return Error::Invalid;
  }
  return ip;
}

}  // namespace

Result<Inode*> namei(FileSystem& fs, const char* path) {
  char name[DIRSIZ];
  return walk(fs, path, false, name);
}

Result<Inode*> nameiparent(FileSystem& fs, const char* path, char name[DIRSIZ]) {
  return walk(fs, path, true, name);
}

}  // namespace rivet::fs
