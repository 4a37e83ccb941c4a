/*
 * cmd/weft/help.c: the help texts of weft and its commands ("weft help",
 * "weft COMMAND -h").
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"

static const char usage_text[] =
	"weft builds and runs weft programs.\n"
	"\n"
	"Usage:\n"
	"\n"
	"\tweft <command> [arguments]\n"
	"\n"
	"The commands are:\n"
	"\n"
	"\tbuild    compile and link a weft program\n"
	"\trun      build a weft program in a temporary directory and run it\n"
	"\tversion  print weft's version and the git commit it was built from\n"
	"\thelp     print help about a command\n"
	"\n"
	"Use \"weft help <command>\" for more about a command.\n";

static const char build_text[] =
	"usage: weft build [-o OUT] [--depfile FILE] [--libc] [-O LEVEL] [-g0] [-v]\n"
	"                  FILE.c...\n"
	"\n"
	"Build compiles the C files and links them with the weft runtime into an\n"
	"executable. The program defines int weft_main(int argc, char **argv);\n"
	"the runtime supplies the entry point and runs weft_main as goroutine 1.\n"
	"\n"
	"By default the program is freestanding: a static executable with no C\n"
	"library, which uses the runtime's functions (weft_printf, weft_alloc...)\n"
	"instead. With --libc it is linked with the C library and pthreads, and\n"
	"may use both.\n"
	"\n"
	"The program carries a symbol table made from the compiler's debugging\n"
	"information (weft-symtab), so that its panics and stacks name functions,\n"
	"files and lines, inlined calls included. The table also marks which\n"
	"functions were compiled from the FILE.c given here: the program's own\n"
	"code, as opposed to the runtime's, the C library's or an object linked\n"
	"in prebuilt (WEFTLDFLAGS). It is linked twice, without and with the\n"
	"table, and the build fails if any code moved in between. With -g0 there\n"
	"is no debugging information and no table.\n"
	"\n"
	"OUT, and FILE with --depfile, are written only when the build succeeds;\n"
	"a failed build leaves them as they were.\n"
	"\n"
	"The flags are:\n"
	"\n"
	"\t-o OUT      write the program to OUT (default: the first file's name\n"
	"\t            without .c, in the current directory)\n"
	"\t--depfile FILE\n"
	"\t            also write FILE, a make rule naming what OUT was built\n"
	"\t            from: the C files and every header they included, as the\n"
	"\t            compiler's -MD lists them (for ninja's depfile, with\n"
	"\t            deps = gcc, or make's include)\n";

static const char common_flags_text[] =
	"\t--libc      link with the C library (a hosted program)\n"
	"\t-O LEVEL    optimization level: 0, 1, 2, 3, s, g, z or fast (default 2)\n"
	"\t-g0         no debugging information (default -g)\n"
	"\t-v          print the commands as they run (also WEFTVERBOSE=1)\n"
	"\t-h, --help  print this help\n"
	"\n"
	"Each file is compiled with\n"
	"\n"
	"\t$CC -std=gnu11 -O2 -g " WEFT_FPFLAGS "\n"
	"\t    " WEFT_AMD64_FLAGS " (amd64 only) -fno-stack-protector\n"
	"\t    -Wall -I<root>/include/weft $WEFTFLAGS\n"
	"\n"
	"Warnings are shown but do not stop the build. <root> is the directory\n"
	"above the one holding the weft executable (build/ in a build tree, the\n"
	"PREFIX of an installed copy); the runtime libraries are\n"
	"<root>/lib/weft/libweft.a and libweft_hosted.a (amd64) and the same\n"
	"names in <root>/lib/weft/arm64/ (arm64).\n"
	"\n"
	"Environment:\n"
	"\n"
	"\tCC          the C compiler for amd64 (default gcc); several words are\n"
	"\t            allowed, as in CC='ccache gcc'\n"
	"\tCC_ARM64    the C compiler for arm64 (default aarch64-linux-gnu-gcc)\n"
	"\tWEFTARCH    the target: amd64 (the default, native) or arm64 (cross-\n"
	"\t            compiled; hosted arm64 programs are linked statically too)\n"
	"\tWEFTFLAGS   more compiler flags, split on spaces (no quoting), added\n"
	"\t            after weft's own to each compile command, not the link\n"
	"\tWEFTLDFLAGS more link flags, such as libraries (-lunwind), split the\n"
	"\t            same way and added at the end of the link command\n"
	"\tWEFTVERBOSE when set to 1, the same as -v\n"
	"\tTMPDIR      where the temporary directory goes (default /tmp)\n";

static const char build_status_text[] =
	"\n"
	"Exit status: 0 on success; 1 if the compiler or linker failed (its\n"
	"messages come first, then \"weft build: compilation failed\"); 2 for a\n"
	"usage error (unknown flag, no files, a file that does not exist or is\n"
	"not a .c file), a missing runtime library or header, or a system error.\n";

static const char run_text[] =
	"usage: weft run [--libc] [-O LEVEL] [-g0] [-v] FILE.c... [-- ARGS...]\n"
	"\n"
	"Run builds the C files as \"weft build\" does, in a temporary directory,\n"
	"runs the program with the arguments ARGS (everything after --), and\n"
	"removes the temporary directory afterwards. With WEFTARCH=arm64 on a\n"
	"machine that is not arm64, the program runs under qemu-aarch64.\n"
	"\n"
	"The flags are:\n"
	"\n";

static const char run_status_text[] =
	"\n"
	"The program's runtime reads these, in \"weft run\" or when the program\n"
	"runs by itself:\n"
	"\n"
	"\tWEFTMAXPROCS  the number of Ps, that is, of goroutines running at\n"
	"\t              once (default: the number of CPUs)\n"
	"\tWEFTTRACE     a file to write an execution trace of the whole run to,\n"
	"\t              for \"go tool trace FILE\" (Go 1.23 or newer)\n"
	"\tWEFTFLIGHT    a file for the flight recorder: the last seconds of\n"
	"\t              trace are kept in memory and written there if the\n"
	"\t              program panics, hits a fatal error or gets SIGQUIT\n"
	"\tWEFTCPUPROFILE a file to write a CPU profile of the whole run to, at\n"
	"\t              its end (panics and fatal errors included), for \"go\n"
	"\t              tool pprof PROGRAM FILE\"; with WEFTTRACE, the trace\n"
	"\t              has the samples too\n"
	"\tWEFTTRACEBACK system: panics and fatal errors show the runtime's own\n"
	"\t              frames too (by default a stack starts at the public\n"
	"\t              weft_* function the program called), as Go's\n"
	"\t              GOTRACEBACK=system\n"
	"\tWEFTDEBUG     debugging options, name=value separated by commas:\n"
	"\t                tracefpunwindoff=1   the tracer unwinds stacks by the\n"
	"\t                                     symbol table's frame rules, not\n"
	"\t                                     frame pointers (slower; a check)\n"
	"\t                tracegenms=N         a trace generation every N ms\n"
	"\t                                     (default about a second)\n"	"\t                flightbytes=N        the flight recorder keeps at most\n"
	"\t                                     N bytes of trace (default 16 MiB)\n"
	"\t                flightms=N           ... and at least the last N ms\n"
	"\t                                     when they fit (default 2000)\n"
	"\t                asyncpreemptoff=1    no preemption by signal: a\n"
	"\t                                     goroutine that makes no weft call\n"
	"\t                                     keeps its P (as Go's GODEBUG)\n"
	"\t                preemptus=N          the time slice before preemption,\n"
	"\t                                     in microseconds (default 10000)\n"
	"\t                cpuprofilerate=N     CPU profile samples per second of\n"
	"\t                                     a thread's CPU time (default 100)\n"
	"\t                preemptstats=1       print the preemption counts at a\n"
	"\t                                     normal exit\n"
	"\t                stackguard=mprotect  guard stacks with mprotect, as on\n"
	"\t                                     kernels before 6.13: two memory\n"
	"\t                                     mappings a goroutine, up to a\n"
	"\t                                     budget; past it a stack is\n"
	"\t                                     guarded only while it runs\n"
	"\t                stackguard=runguard  the same with no budget: every\n"
	"\t                                     goroutine stack is guarded only\n"
	"\t                                     while it runs\n"
	"\t                stackguard=madvise   guard installs one call a stack,\n"
	"\t                                     as where process_madvise refuses\n"
	"\t                traceexitfail=1      a fatal error inside the trace's\n"
	"\t                                     exit flush (for weft's tests)\n"
	"\n"
	"Exit status: the program's own, or 128+N if signal N killed it. If the\n"
	"build fails: 1 if the compiler or linker failed, 2 for the errors that\n"
	"\"weft help build\" lists. A program may itself exit with 1 or 2 (a weft\n"
	"panic exits with 2).\n";

static const char version_text[] =
	"usage: weft version\n"
	"\n"
	"Version prints weft's version and the git commit it was built from\n"
	"(\"unknown\" when it was not built from a git checkout).\n";

static const char help_text[] =
	"usage: weft help [COMMAND]\n"
	"\n"
	"Help prints the help for COMMAND, or the list of commands.\n"
	"\"weft COMMAND -h\" does the same.\n";

void help_print(FILE *f, const char *cmd)
{
	if (!cmd) {
		fputs(usage_text, f);
	} else if (strcmp(cmd, "build") == 0) {
		fputs(build_text, f);
		fputs(common_flags_text, f);
		fputs(build_status_text, f);
	} else if (strcmp(cmd, "run") == 0) {
		fputs(run_text, f);
		fputs(common_flags_text, f);
		fputs(run_status_text, f);
	} else if (strcmp(cmd, "version") == 0) {
		fputs(version_text, f);
	} else {
		fputs(help_text, f);
	}
}
