/*
 * sys_linux.c: the Linux system calls the runtime makes, as thin wrappers
 * over arch_syscallN. Each returns the kernel's raw result: a value >= 0 on
 * success, -errno on failure. Interpreting errors is the caller's job.
 */
#include "runtime.h"

/*
 * arch.h numbers the system calls itself, for C and asm.S alike; the
 * kernel's own table, the uapi <asm/unistd.h> of the arch being built
 * (macros only, no libc), checks every number here, so a wrong one does
 * not build.
 */
#include <asm/unistd.h>
#define SYS_CHECK(name) _Static_assert(SYS_##name == __NR_##name, "arch.h: SYS_" #name " is not the kernel's number")
SYS_CHECK(read);
SYS_CHECK(write);
SYS_CHECK(writev);
SYS_CHECK(close);
SYS_CHECK(openat);
SYS_CHECK(pipe2);
SYS_CHECK(mmap);
SYS_CHECK(mprotect);
SYS_CHECK(munmap);
SYS_CHECK(madvise);
SYS_CHECK(pidfd_open);
SYS_CHECK(renameat2);
SYS_CHECK(unlinkat);
SYS_CHECK(process_madvise);
SYS_CHECK(membarrier);
SYS_CHECK(futex);
SYS_CHECK(nanosleep);
SYS_CHECK(clock_gettime);
SYS_CHECK(sched_yield);
SYS_CHECK(sched_getaffinity);
SYS_CHECK(clone);
SYS_CHECK(exit);
SYS_CHECK(exit_group);
SYS_CHECK(getpid);
SYS_CHECK(gettid);
SYS_CHECK(tgkill);
SYS_CHECK(rt_sigaction);
SYS_CHECK(rt_sigprocmask);
SYS_CHECK(rt_sigreturn);
SYS_CHECK(sigaltstack);
#ifdef SYS_arch_prctl /* amd64 only */
SYS_CHECK(arch_prctl);
#endif

/* A raw result in [-4095, -1] is an error (the kernel's MAX_ERRNO). */
#define SYS_ISERR(r) ((unsigned long)(r) > -4096UL)

/* sys_read reads up to n bytes from fd into p. */
long sys_read(int fd, void *p, size_t n)
{
	return arch_syscall3(SYS_read, fd, (long)p, (long)n);
}

/* sys_write writes up to n bytes of p to fd; the write may be partial. */
long sys_write(int fd, const void *p, size_t n)
{
	return arch_syscall3(SYS_write, fd, (long)p, (long)n);
}

/* sys_writev writes the n buffers of iov to fd, in order, in one call;
 * the write may be partial. */
long sys_writev(int fd, const struct sys_iovec *iov, int n)
{
	return arch_syscall3(SYS_writev, fd, (long)iov, n);
}

/* sys_close closes fd. */
long sys_close(int fd)
{
	return arch_syscall1(SYS_close, fd);
}

/* sys_pipe2 creates a pipe: fds[0] reads, fds[1] writes. */
long sys_pipe2(int fds[2], int flags)
{
	return arch_syscall2(SYS_pipe2, (long)fds, flags);
}

/* sys_openat opens path relative to dirfd (AT_FDCWD: the working
 * directory); mode is for a file that O_CREAT creates. */
long sys_openat(int dirfd, const char *path, int flags, int mode)
{
	return arch_syscall4(SYS_openat, dirfd, (long)path, flags, mode);
}

/* sys_membarrier: membarrier(2), cmd with no flags. */
long sys_membarrier(int cmd)
{
	return arch_syscall3(SYS_membarrier, cmd, 0, 0);
}

/* sys_sched_yield lets other threads run on this CPU. */
long sys_sched_yield(void)
{
	return arch_syscall0(SYS_sched_yield);
}

/* sys_mmap_err maps n bytes of anonymous private memory (flags are added to
 * MAP_ANONYMOUS|MAP_PRIVATE). It returns 0 and stores the mapping in *out,
 * or returns -errno and stores NULL. */
long sys_mmap_err(void *addr, size_t n, int prot, int flags, void **out)
{
	long r = arch_syscall6(SYS_mmap, (long)addr, (long)n, prot,
			       flags | MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (SYS_ISERR(r)) {
		*out = NULL;
		return r;
	}
	*out = (void *)r;
	return 0;
}

/* sys_mmap is sys_mmap_err for callers that only need to know whether it
 * worked: it returns the mapping, or NULL on failure. */
void *sys_mmap(void *addr, size_t n, int prot, int flags)
{
	void *p;

	sys_mmap_err(addr, n, prot, flags, &p);
	return p;
}

/* sys_munmap unmaps [p, p+n). */
long sys_munmap(void *p, size_t n)
{
	return arch_syscall2(SYS_munmap, (long)p, (long)n);
}

/* sys_mprotect sets the protection of [p, p+n). */
long sys_mprotect(void *p, size_t n, int prot)
{
	return arch_syscall3(SYS_mprotect, (long)p, (long)n, prot);
}

/* sys_madvise gives the kernel advice about [p, p+n). */
long sys_madvise(void *p, size_t n, int advice)
{
	return arch_syscall3(SYS_madvise, (long)p, (long)n, advice);
}

/* sys_rename renames the file from to the name to, replacing it. */
long sys_rename(const char *from, const char *to)
{
	return arch_syscall6(SYS_renameat2, AT_FDCWD, (long)from, AT_FDCWD, (long)to, 0, 0);
}

/* sys_unlinkat removes the file path (relative to dirfd). */
long sys_unlinkat(int dirfd, const char *path, int flags)
{
	return arch_syscall3(SYS_unlinkat, dirfd, (long)path, flags);
}

/* sys_pidfd_open opens a file descriptor that refers to process pid. */
long sys_pidfd_open(long pid)
{
	return arch_syscall2(SYS_pidfd_open, pid, 0);
}

/* sys_process_madvise gives the kernel advice about n ranges of the
 * process pidfd refers to (Linux 5.10; any advice for the caller's own
 * since 6.13). It returns the bytes advised or -errno. */
long sys_process_madvise(int pidfd, const struct sys_iovec *iov, int n, int advice)
{
	return arch_syscall6(SYS_process_madvise, pidfd, (long)iov, n, advice, 0, 0);
}

/* sys_futex performs futex operation op on addr. For FUTEX_WAIT, ts is a
 * relative timeout (NULL: none); the kernel returns -EAGAIN if *addr != val
 * and -ETIMEDOUT when ts expires. The operations the runtime uses take no
 * second address, so uaddr2 and val3 are 0. */
long sys_futex(uint32_t *addr, int op, uint32_t val, const struct sys_timespec *ts)
{
	return arch_syscall6(SYS_futex, (long)addr, op, val, (long)ts, 0, 0);
}

/* sys_exit_group ends the whole process with status. Should exit_group
 * ever fail, exit ends at least this thread; the loop keeps the promise
 * never to return. */
_Noreturn void sys_exit_group(int status)
{
	for (;;) {
		arch_syscall1(SYS_exit_group, status);
		arch_syscall1(SYS_exit, status);
	}
}

/* sys_getpid returns the process's id. */
long sys_getpid(void)
{
	return arch_syscall0(SYS_getpid);
}

/* sys_gettid returns the calling thread's id. */
long sys_gettid(void)
{
	return arch_syscall0(SYS_gettid);
}

/* sys_tgkill sends sig to thread tid of process pid. */
long sys_tgkill(long pid, long tid, int sig)
{
	return arch_syscall3(SYS_tgkill, pid, tid, sig);
}

/* sys_sched_getaffinity stores the calling thread's CPU mask (n bytes at
 * most) in mask; it returns the number of bytes the kernel wrote. */
long sys_sched_getaffinity(size_t n, void *mask)
{
	return arch_syscall3(SYS_sched_getaffinity, 0 /* this thread */, (long)n, (long)mask);
}

/* sys_nanosleep sleeps for ns nanoseconds; -EINTR when a signal cuts it
 * short, -EINVAL for ns < 0. */
long sys_nanosleep(int64_t ns)
{
	struct sys_timespec ts = {ns / 1000000000, ns % 1000000000};

	return arch_syscall2(SYS_nanosleep, (long)&ts, 0);
}

/* threadcpuclock is the clock of thread tid's CPU time (Linux's
 * MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)): any thread may read it, or
 * arm a timer on it. */
static int threadcpuclock(long tid)
{
	return (int)((~(unsigned long)tid << 3) | 4 | 2);
}

/* sys_threadcputime returns the CPU time thread tid has used, in ns,
 * or -1. */
int64_t sys_threadcputime(long tid)
{
	struct sys_timespec ts;
	if (sys_clock_gettime(threadcpuclock(tid), &ts) < 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* sys_clock_gettime stores the time of clock clk in *ts. nanotime (vdso.c)
 * is the fast path; this is the system call behind it. */
long sys_clock_gettime(int clk, struct sys_timespec *ts)
{
	return arch_syscall2(SYS_clock_gettime, clk, (long)ts);
}

/*
 * sys_strerror names error err (an errno, or a -errno result) as libc's
 * strerror does, for messages: "No such file or directory", not
 * "errno 2". The numbers are Linux's generic ones, the same on amd64 and
 * arm64; an unknown one is "errno N" (in a static buffer: for reports).
 */
const char *sys_strerror(long err)
{
	static const char *const names[] = {
		[1] = "Operation not permitted",
		[2] = "No such file or directory",
		[3] = "No such process",
		[4] = "Interrupted system call",
		[5] = "Input/output error",
		[6] = "No such device or address",
		[7] = "Argument list too long",
		[8] = "Exec format error",
		[9] = "Bad file descriptor",
		[10] = "No child processes",
		[11] = "Resource temporarily unavailable",
		[12] = "Cannot allocate memory",
		[13] = "Permission denied",
		[14] = "Bad address",
		[16] = "Device or resource busy",
		[17] = "File exists",
		[18] = "Invalid cross-device link",
		[19] = "No such device",
		[20] = "Not a directory",
		[21] = "Is a directory",
		[22] = "Invalid argument",
		[23] = "Too many open files in system",
		[24] = "Too many open files",
		[25] = "Inappropriate ioctl for device",
		[26] = "Text file busy",
		[27] = "File too large",
		[28] = "No space left on device",
		[29] = "Illegal seek",
		[30] = "Read-only file system",
		[31] = "Too many links",
		[32] = "Broken pipe",
		[36] = "File name too long",
		[38] = "Function not implemented",
		[40] = "Too many levels of symbolic links",
		[95] = "Operation not supported",
		[104] = "Connection reset by peer",
		[110] = "Connection timed out",
		[122] = "Disk quota exceeded",
	};
	if (err < 0)
		err = -err;
	if (err > 0 && (size_t)err < sizeof names / sizeof names[0] && names[err])
		return names[err];
	static char buf[32] = "errno ";
	char digits[24];
	int n = 0;
	do
		digits[n++] = (char)('0' + err % 10);
	while ((err /= 10) > 0 && n < (int)sizeof digits);
	int i = 6;
	while (n > 0)
		buf[i++] = digits[--n];
	buf[i] = 0;
	return buf;
}

/* The kernel's struct sigevent, for a signal to one thread. */
struct ksigevent {
	uintptr_t value; /* handed to the handler in si_value */
	int signo;
	int notify; /* SIGEV_THREAD_ID */
	int tid;
	int pad[11];
};
enum { SIGEV_THREAD_ID = 4 };

/* sys_cputimer_create makes a timer on thread tid's CPU time that sends
 * it signal sig with value (si_value) at each expiry; returns the timer
 * id or -errno. */
long sys_cputimer_create(long tid, int sig, uintptr_t value)
{
	struct ksigevent ev = {.value = value, .signo = sig, .notify = SIGEV_THREAD_ID, .tid = (int)tid};
	int id = 0;
	long r = arch_syscall3(SYS_timer_create, threadcpuclock(tid), (long)&ev, (long)&id);
	return r < 0 ? r : id;
}

/* sys_timer_settime arms timer id to expire first after first ns, then
 * every interval ns (0, 0 disarms it). */
long sys_timer_settime(int id, int64_t first, int64_t interval)
{
	struct sys_timespec spec[2] = {
		{interval / 1000000000, interval % 1000000000},
		{first / 1000000000, first % 1000000000},
	};
	return arch_syscall4(SYS_timer_settime, id, 0, (long)spec, 0);
}

/* sys_timer_delete deletes timer id; a signal it sent may still come. */
long sys_timer_delete(int id)
{
	return arch_syscall1(SYS_timer_delete, id);
}
