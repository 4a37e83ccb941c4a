/*
 * abi/funcid.h: FuncIDs, the functions that stack unwinders treat
 * specially (Go's internal/abi FuncID). Shared by the runtime, the symbol
 * table generator and user programs (weft.h includes it).
 *
 * A FuncID is declared next to the function it marks:
 *
 *	void goexit(void);
 *	WEFT_FUNCID(goexit, FUNCID_GOEXIT);        (C, at file scope)
 *	WEFT_FUNCID goexit, FUNCID_GOEXIT          (assembly, a .S file)
 *
 * The mark is a record in the section .weft_funcid: the function's address
 * as a 32-bit offset from the record itself (no relocation survives the
 * link, so it works in static and PIE executables alike) and the FuncID.
 * The generator (cmd/weft-symtab) reads the records from the linked
 * executable, finds the functions they point at in the DWARF, and gives
 * their FuncID to the function and to every inlined copy of it.
 *
 * The values are plain macros so assembly can use them too.
 */
#ifndef WEFT_ABI_FUNCID_H
#define WEFT_ABI_FUNCID_H

#define FUNCID_NORMAL 0       /* not special */
#define FUNCID_GOEXIT 1       /* the bottom frame of every goroutine: walks stop */
#define FUNCID_MSTART 2       /* the bottom frame of every M's scheduler stack */
#define FUNCID_RT0 3          /* the process's entry: _start, rt0_start, rt0_go */
#define FUNCID_RUNTIME_MAIN 4 /* goroutine 1's runtime frame, which calls weft_main */
#define FUNCID_MCALL 5        /* switches from a goroutine to its M's g0 */
#define FUNCID_GOGO 6         /* switches from g0 into a goroutine */
#define FUNCID_CLONE 7        /* a new thread's first frame */
#define FUNCID_PANIC 8        /* weft_panic, gopanic: frames above are the panic's own */
#define FUNCID_SIGPANIC 9     /* the fault handler: the frame below it faulted */
#define FUNCID_THROW 10       /* throw, fatal: the runtime's fatal errors */
#define FUNCID_WRAPPER 11     /* a wrapper, elided from stacks as Go elides its own */
#define FUNCID_ASYNCPREEMPT 12 /* asyncPreempt: the frame below it was interrupted, not calling */
#define FUNCID_COUNT 13

#define WEFT_FUNCID_SECTION ".weft_funcid"

#ifdef __ASSEMBLER__
/* clang-format off */
.macro WEFT_FUNCID fn, id
	.pushsection .weft_funcid, "a"
	.balign 4
	.long \fn - .
	.long \id
	.popsection
.endm
/* clang-format on */
#else
#define WEFT_FUNCID_STR_(x) #x
#define WEFT_FUNCID_STR(x) WEFT_FUNCID_STR_(x)
/* WEFT_FUNCID(fn, id) marks fn, at file scope after fn's declaration. It
 * also keeps fn emitted out of line, so a function that is only ever
 * inlined still has an address to mark. */
#define WEFT_FUNCID(fn, id)                                                            \
	static void *const weft_funcid_keep_##fn __attribute__((used)) = (void *)(fn); \
	__asm__(".pushsection .weft_funcid, \"a\"\n\t.balign 4\n\t.long " #fn         \
		" - .\n\t.long " WEFT_FUNCID_STR(id) "\n\t.popsection")
#endif

#endif
