/*
 * syscall_test.c: runs the checks of system calls (test/prog/syscall.c)
 * natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64
 * under qemu at 1 and 2 (hosted at 2); then the hand-off alone at 1 P.
 * Each run must report ok for every check the program lists (syscall
 * -list).
 */
#include "testutil.h"

CHECK_PROGRAM(syscall, NULL, NULL)

/* The system-call hand-off alone, on one P: the case where a missing
 * hand-off would stop everything (a hang is caught by run's timeout). */
Test(syscall, handoff_procs1)
{
	run_checks(NULL, "syscall", CHECK_NATIVE, ENV("WEFTMAXPROCS=1"), "syscall");
}
Test(syscall_arm64, handoff_procs1)
{
	skip_without_qemu();
	run_checks(NULL, "syscall", CHECK_ARM64, ENV("WEFTMAXPROCS=1"), "syscall");
}
