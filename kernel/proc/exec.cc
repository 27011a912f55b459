#include "kernel/proc/exec.h"

#include "kernel/arch/riscv64/trap.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/log/log.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/elf.h"
#include "kernel/proc/process.h"
#include "kernel/sys/abi.h"

namespace rivet {
namespace {

constexpr uint64_t kStackTop = mm::kUserLimit - mm::kPageSize;
constexpr size_t kArgBytes = 64 * 1024;  // all argument and environment strings together

// The arguments and the environment, gathered in kernel memory before the
// old image goes away: argv's strings first, then envp's, in one buffer, so
// both share the one byte budget (a big environment leaves less room for
// arguments, as on Linux).
struct Args {
  char* strings = nullptr;  // kArgBytes
  size_t used = 0;
  size_t offsets[MAXARG + MAXENV];
  int count = 0;      // argv strings
  int env_count = 0;  // envp strings, after them in offsets
  ~Args() { kfree(strings); }
  Result<void> init() {
    strings = static_cast<char*>(kmalloc(kArgBytes));
    return strings ? Result<void>() : Error::NoMemory;
  }
  Result<void> add_kernel(const char* s) {
    if (count == MAXARG) return Error::TooBig;
    size_t n = __builtin_strlen(s) + 1;
    if (used + n > kArgBytes) return Error::TooBig;
    __builtin_memcpy(strings + used, s, n);
    offsets[count++] = used;
    used += n;
    return {};
  }
  Result<void> add_user(UserIn<char> s) {
    if (env_count > 0 || count == MAXARG) return Error::TooBig;
    TRY(copy_user(s, count));
    count++;
    return {};
  }
  // Environment strings come after all the arguments.
  Result<void> add_user_env(UserIn<char> s) {
    if (env_count == MAXENV) return Error::TooBig;
    TRY(copy_user(s, count + env_count));
    env_count++;
    return {};
  }
  Result<void> copy_user(UserIn<char> s, int slot) {
    auto n = copy_in_str(strings + used, kArgBytes - used, s);
    if (!n) return n.error() == Error::NameTooLong ? Error::TooBig : n.error();
    offsets[slot] = used;
    used += n.value() + 1;
    return {};
  }
};

struct FileReader {
  fs::Inode* inode;
};

Result<void> read_file(void* ctx, uint64_t offset, void* dst, size_t n) {
  auto* r = static_cast<FileReader*>(ctx);
  size_t got = TRY(fs::inode_read(r->inode, IoBuffer::kernel(dst), offset, n));
  return got == n ? Result<void>() : Error::BadExec;
}

uint32_t prot_of(const elf::Segment& s) {
  uint32_t prot = 0;
  if (s.readable()) prot |= PROT_READ;
  if (s.writable()) prot |= PROT_WRITE;
  if (s.executable()) prot |= PROT_EXEC;
  return prot;
}

// Maps one segment, lazily: nothing is read until a page is touched. The
// area remembers where its bytes are in the file; bytes past p_filesz (the
// BSS) read as zeros.
Result<void> map_segment(mm::AddressSpace& as, fs::Inode* ip, const elf::Segment& s) {
  uint64_t start = mm::page_round_down(s.vaddr);
  uint64_t end = mm::page_round_up(s.vaddr + s.memsz);
  mm::Vma* vma = TRY(as.add_vma(mm::VirtAddr(start), mm::VirtAddr(end), prot_of(s), mm::kVmaImage));
  mm::AddressSpace::attach_file(vma, ip);
  vma->file_offset = s.offset - (s.vaddr - start);  // the parser checked the alignment
  vma->file_end = s.vaddr + s.filesz;
  return {};
}

// Builds the new image in a fresh address space; on any failure the caller
// destroys it and the old program carries on untouched.
Result<void> build_image(mm::AddressSpace& as, fs::Inode* ip, const Args& args, uint64_t* entry,
                         uint64_t* sp_out, uint64_t* argv_out, uint64_t* envp_out) {
  FileReader reader{ip};
  elf::Image image = TRY(elf::parse_elf(read_file, &reader, ip->size));
  uint64_t image_end = 0;
  for (size_t i = 0; i < image.segment_count; i++) {
    TRY(map_segment(as, ip, image.segments[i]));
    uint64_t end = mm::page_round_up(image.segments[i].vaddr + image.segments[i].memsz);
    if (end > image_end) image_end = end;
  }
  // The heap starts empty right after the image.
  as.heap_start = mm::VirtAddr(image_end);
  as.brk = as.heap_start;
  as.heap = TRY(as.add_vma(as.heap_start, as.heap_start, PROT_READ | PROT_WRITE, mm::kVmaHeap | mm::kVmaAnonymous));
  // The stack, and its guard page below.
  mm::VirtAddr stack_bottom(kStackTop - kStackSize);
  TRY(as.add_vma(stack_bottom - mm::kPageSize, stack_bottom, PROT_NONE, mm::kVmaStack));
  TRY(as.add_vma(stack_bottom, mm::VirtAddr(kStackTop), PROT_READ | PROT_WRITE, mm::kVmaStack | mm::kVmaAnonymous));

  // Strings at the top, then the pointer arrays, 16-byte aligned as the ABI
  // wants: argv[0..argc-1], NULL, envp[0..envc-1], NULL, as on Linux, so
  // sp points at argv and envp starts argc + 1 words above it.
  uint64_t sp = kStackTop - ((args.used + 15) & ~15ull);
  TRY(copy_out(as, UserOut<char>(sp), args.strings, args.used));
  uint64_t vectors[MAXARG + 1 + MAXENV + 1];
  int words = 0;
  for (int i = 0; i < args.count; i++) vectors[words++] = sp + args.offsets[i];
  vectors[words++] = 0;
  for (int i = 0; i < args.env_count; i++) vectors[words++] = sp + args.offsets[args.count + i];
  vectors[words++] = 0;
  sp -= (words * sizeof(uint64_t) + 15) & ~15ull;
  TRY(copy_out(as, UserOut<uint64_t>(sp), vectors, static_cast<size_t>(words)));
  *entry = image.entry;
  *sp_out = sp;
  *argv_out = sp;
  *envp_out = sp + (args.count + 1) * sizeof(uint64_t);
  return {};
}

Result<long> exec_with(const char* path, const Args& args) {
  Process* p = current();
  Result<void> built = Error::AccessDenied;
  mm::AddressSpace* as = nullptr;
  uint64_t entry = 0, sp = 0, argv = 0, envp = 0;
  {
    fs::Operation op(fs::root_fs().log());
    fs::Inode* ip = TRY(fs::namei(path));
    {
      auto locked = fs::InodeLock::lock(ip);
      if (!locked) {
        built = locked.error();
      } else if (ip->type == T_FILE && __atomic_load_n(&ip->writers, __ATOMIC_RELAXED) > 0) {
        built = Error::TextBusy;  // open for writing: its pages could change under the program
      } else if (ip->type == T_FILE) {
        auto created = mm::AddressSpace::create(p->trapframe_pa);
        if (created) {
          as = created.value();
          built = build_image(*as, ip, args, &entry, &sp, &argv, &envp);
        } else {
          built = created.error();
        }
      }
    }
    fs::inode_put(ip);
  }
  if (!built) {
    if (as) as->destroy();
    return built.error();
  }

  // Commit: nothing can fail from here on.
  mm::AddressSpace* old = p->address_space;
  p->address_space = as;
  arch::fp_forget(p);  // the new program starts without FP state
  TrapFrame* tf = p->trapframe;
  tf->epc = entry;
  tf->sp = sp;
  tf->a1 = argv;
  tf->a2 = envp;
  const char* base = path;
  for (const char* c = path; *c; c++)
    if (*c == '/') base = c + 1;
  size_t i = 0;
  for (; base[i] && i < sizeof(p->name) - 1; i++) p->name[i] = base[i];
  p->name[i] = 0;
  if (old) old->destroy();  // writes back its shared mappings first
  return args.count;
}

}  // namespace

Result<long> exec_from_user(UserIn<char> path, UserIn<uint64_t> argv, UserIn<uint64_t> envp) {
  char kpath[MAXPATH];
  TRY(copy_in_str(kpath, sizeof kpath, path));
  Args args;
  TRY(args.init());
  for (int i = 0;; i++) {
    if (i > MAXARG) return Error::TooBig;
    uint64_t ptr = 0;
    TRY(copy_in(ptr, argv.offset(static_cast<uint64_t>(i))));
    if (ptr == 0) break;
    TRY(args.add_user(UserIn<char>(ptr)));
  }
  // A null envp (and xv6's exec, which has none) is an empty environment.
  for (int i = 0; !envp.is_null(); i++) {
    if (i > MAXENV) return Error::TooBig;
    uint64_t ptr = 0;
    TRY(copy_in(ptr, envp.offset(static_cast<uint64_t>(i))));
    if (ptr == 0) break;
    TRY(args.add_user_env(UserIn<char>(ptr)));
  }
  return exec_with(kpath, args);
}

Result<long> exec_kernel(const char* path, const char* const* argv) {
  Args args;
  TRY(args.init());
  for (int i = 0; argv[i]; i++) TRY(args.add_kernel(argv[i]));
  return exec_with(path, args);
}

}  // namespace rivet
