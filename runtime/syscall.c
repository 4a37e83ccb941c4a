/*
 * syscall.c: the blocking system calls of the public API. Each brackets
 * the raw call with entersyscall and exitsyscall, as Go's syscall package
 * does: while the thread is in the kernel, sysmon may hand its P to
 * another thread, so other goroutines keep running.
 */
#include "runtime.h"

/* weft_read reads up to n bytes from fd into buf: the count read, 0 at end
 * of file, or -errno. A signal does not interrupt it (EINTR is retried). */
long weft_read(int fd, void *buf, size_t n)
{
	long r;

	do {
		entersyscall();
		r = sys_read(fd, buf, n);
		exitsyscall();
	} while (r == -EINTR);
	return r;
}

/* weft_write writes up to n bytes of buf to fd: the count written, which
 * may be less than n (a pipe or socket that fills up), or -errno. A signal
 * does not interrupt it (EINTR is retried). A broken pipe on fd 1 or 2
 * ends the program as SIGPIPE does; on any other fd it is -EPIPE
 * (signal.c). */
long weft_write(int fd, const void *buf, size_t n)
{
	long r;

	do {
		entersyscall();
		r = sys_write(fd, buf, n);
		exitsyscall();
	} while (r == -EINTR);
	if (unlikely(r == -EPIPE) && (fd == 1 || fd == 2))
		sigpipe();
	return r;
}

/* weft_pipe creates a pipe, fds[0] its read end and fds[1] its write end:
 * 0 or -errno. */
int weft_pipe(int fds[2])
{
	long r;

	entersyscall();
	r = sys_pipe2(fds, 0);
	exitsyscall();
	return (int)r;
}

/* weft_close closes fd: 0 or -errno. EINTR is not retried: Linux has
 * released the descriptor by then, and a retry could close one that
 * another thread has just opened. */
int weft_close(int fd)
{
	long r;

	entersyscall();
	r = sys_close(fd);
	exitsyscall();
	return (int)r;
}
