// System-call handlers, with typed arguments. The dispatcher
// (kernel/sys/syscall.cc) converts the trapframe's a0..a5 into these
// parameter types, calls the handler named in kernel/sys/syscall_list.h,
// and turns the Result into the user-visible value: the result, or -1 with
// the error number in a1 (the user library stores it in errno).
//
// Handlers validate all arguments before changing any state, and never
// touch user memory except through copy_in/copy_out/copy_in_str and the
// IoSink/IoSource of a typed user pointer; descriptors are looked up in
// kernel/sys/descriptors.h.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"
#include "kernel/sys/abi.h"

namespace rivet::sys {

// Processes (kernel/sys/sys_proc.cc)
Result<long> sys_fork();
Result<long> sys_exit(int status);
Result<long> sys_wait(UserOut<int> status);
Result<long> sys_kill(int pid);
Result<long> sys_exec(UserIn<char> path, UserIn<uint64_t> argv);
Result<long> sys_execve(UserIn<char> path, UserIn<uint64_t> argv, UserIn<uint64_t> envp);
Result<long> sys_getpid();
Result<long> sys_getppid();
Result<long> sys_sbrk(long increment, int mode);
Result<long> sys_pause(int ticks);
Result<long> sys_uptime();
Result<long> sys_reboot(int how);
Result<long> sys_setpgrp();
Result<long> sys_tcsetpgrp(int fd, int pgid);
Result<long> sys_consmode(int fd, int mode);

// Files (kernel/sys/sys_file.cc)
Result<long> sys_pipe(UserOut<int> fds);  // writes fds[0], fds[1]
Result<long> sys_read(int fd, UserOut<char> buffer, int n);
Result<long> sys_write(int fd, UserIn<char> buffer, int n);
Result<long> sys_close(int fd);
Result<long> sys_fstat(int fd, UserOut<struct stat> st);
Result<long> sys_open(UserIn<char> path, int flags);
Result<long> sys_fsync(int fd);
Result<long> sys_fdatasync(int fd);
Result<long> sys_sync();
Result<long> sys_fadvise(int fd, long offset, long length, int advice);
Result<long> sys_mknod(UserIn<char> path, int major, int minor);
Result<long> sys_unlink(UserIn<char> path);
Result<long> sys_link(UserIn<char> existing, UserIn<char> created);
Result<long> sys_mkdir(UserIn<char> path);
Result<long> sys_chdir(UserIn<char> path);
Result<long> sys_dup(int fd);

// Memory (kernel/sys/sys_mm.cc)
Result<long> sys_mmap(uint64_t addr, uint64_t length, int prot, int flags, int fd, int64_t offset);
Result<long> sys_munmap(uint64_t addr, uint64_t length);
Result<long> sys_mprotect(uint64_t addr, uint64_t length, int prot);
Result<long> sys_msync(uint64_t addr, uint64_t length, int flags);
Result<long> sys_memstat(UserOut<struct memstat> out);
Result<long> sys_diskstat(int index, UserOut<struct diskstat> out);

// What the system tells about itself (kernel/sys/sys_info.cc)
Result<long> sys_procinfo(int slot, UserOut<struct procinfo> out);
Result<long> sys_fsinfo(int index, UserOut<struct fsinfo> out);
Result<long> sys_sysinfo(UserOut<struct sysinfo> out);
Result<long> sys_klog(UserOut<char> buffer, int n);

}  // namespace rivet::sys
