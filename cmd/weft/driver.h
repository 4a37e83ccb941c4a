/*
 * cmd/weft/driver.h: the weft command's internal interfaces, shared by
 * its files. main.c says what the command does; each step of a build is a
 * file of its own:
 *
 *	util.c     errors, memory, argument vectors, child processes
 *	options.c  the command line: flags and files
 *	target.c   the architecture built for, and where its runtime is
 *	compile.c  compiling one C file; the depfile (--depfile)
 *	link.c     linking with the runtime, and the symbol table
 *	help.c     the help texts
 *	main.c     the commands: build, run, version, help
 *
 * Functions shared across files are declared here, with their contracts;
 * a file's own helpers are static. The shared names carry their file's
 * prefix (options_, target_, compile_, link_, help_), except util.c's,
 * which every file uses: errorf, oom, the x allocators, sv_ for argument
 * vectors, print_command, spawn_wait, run_tool and path_join.
 */
#ifndef WEFT_DRIVER_H
#define WEFT_DRIVER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
	EXIT_FAILED = 1, /* the compiler or linker rejected the program */
	EXIT_ERROR = 2,  /* anything weft detects itself */
};

#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))

/*
 * The flags the runtime needs in every object, as one string of words
 * each: WEFT_FPFLAGS for both arches (frame pointers, no tail calls), then
 * WEFT_AMD64_FLAGS or WEFT_ARM64_FLAGS. build.ninja writes them once, for
 * the runtime's own build, and defines these from the same variables when
 * it compiles the driver, so that the driver's compile command and its
 * help text cannot drift from the runtime's.
 */
#if !defined(WEFT_FPFLAGS) || !defined(WEFT_AMD64_FLAGS) || !defined(WEFT_ARM64_FLAGS)
#error "WEFT_FPFLAGS, WEFT_AMD64_FLAGS and WEFT_ARM64_FLAGS come from build.ninja ($driverflags)"
#endif

/* ---- util.c: errors and memory ---- */

/*
 * errorf prints "weft CMD: message" on standard error, or "weft: message"
 * when cmd is NULL. The message has no trailing newline.
 */
PRINTF_LIKE(2, 3)
void errorf(const char *cmd, const char *fmt, ...);

/*
 * oom reports that memory ran out and exits. A tool that cannot allocate a
 * few hundred bytes has nothing useful left to do; it does not try to
 * remove its temporary files.
 */
_Noreturn void oom(void);

/* xrealloc is realloc that never returns NULL. */
void *xrealloc(void *p, size_t n);

/* xstrdup is strdup that never returns NULL. */
char *xstrdup(const char *s);

/* xvasprintf and xasprintf return a newly allocated formatted string. */
PRINTF_LIKE(1, 0)
char *xvasprintf(const char *fmt, va_list ap);
PRINTF_LIKE(1, 2)
char *xasprintf(const char *fmt, ...);

/* path_join returns a new string "dir/name". */
char *path_join(const char *dir, const char *name);

/* ---- util.c: argument vectors ---- */

/*
 * A strvec is a growable, NULL-terminated array of strings: a command line
 * under construction, ready to pass to posix_spawnp as v. It owns copies
 * of its strings; a zeroed strvec is empty, and sv_free empties it again.
 */
struct strvec {
	char **v;
	size_t len, cap;
};

/* sv_take appends s, which the strvec now owns. */
void sv_take(struct strvec *sv, char *s);

/* sv_push appends a copy of s. */
void sv_push(struct strvec *sv, const char *s);

/* sv_pushf appends a formatted string. */
PRINTF_LIKE(2, 3)
void sv_pushf(struct strvec *sv, const char *fmt, ...);

/*
 * sv_push_path appends a file name for a compiler command line, adding
 * "./" to one that starts with '-' so it is not taken for a flag.
 */
void sv_push_path(struct strvec *sv, const char *path);

/* sv_extend appends copies of all of w's strings. */
void sv_extend(struct strvec *sv, const struct strvec *w);

/*
 * sv_split appends the words of s, which are separated by spaces, tabs or
 * newlines. There is no quoting: this is how make splits $(CC). s may be
 * NULL.
 */
void sv_split(struct strvec *sv, const char *s);

/* sv_free frees the strings and the array, leaving sv empty. */
void sv_free(struct strvec *sv);

/*
 * print_command writes argv to standard error as one shell command line,
 * quoting the words that need it, so that it can be pasted into a shell.
 */
void print_command(char *const argv[]);

/* ---- util.c: child processes ---- */

/*
 * spawn_wait runs argv (argv[0] is looked up in PATH unless it holds a
 * '/') and waits for it to end, storing its wait status in *wstatus. It
 * returns 0, or -1 with errno set if the program could not be started.
 *
 * Like system(), it ignores SIGINT and SIGQUIT in weft while the child
 * runs, so that ^C, which the terminal sends to both, ends only the child;
 * the child gets back the dispositions weft had.
 */
int spawn_wait(char *const argv[], int *wstatus);

struct options;

/*
 * run_tool runs a compiler or linker command, printing it first under -v.
 * It returns 0 if the command succeeded, EXIT_FAILED if it ran and failed
 * (it has printed its own messages), or EXIT_ERROR if it could not be
 * started.
 */
int run_tool(const struct options *o, const struct strvec *cmd);

/* ---- options.c: the command line ---- */

/* options holds what the command line and WEFTVERBOSE asked for. */
struct options {
	const char *cmd;      /* "build" or "run", for messages */
	const char *out;      /* -o OUT, or NULL for the default */
	const char *depfile;  /* --depfile FILE, or NULL for none */
	bool libc;            /* --libc: a hosted build */
	const char *opt;      /* -O LEVEL; "2" by default */
	bool debug;           /* -g; cleared by -g0 */
	bool verbose;         /* -v or WEFTVERBOSE=1: print commands */
	struct strvec files;  /* the FILE.c operands */
	char **args;          /* run: the program's arguments, NULL-terminated */
};

enum parse_result { PARSE_OK, PARSE_HELP, PARSE_ERROR };

/* options_init sets o to the defaults for command cmd. */
void options_init(struct options *o, const char *cmd);

/* options_free frees what options_parse allocated. */
void options_free(struct options *o);

/*
 * options_parse fills o from a command's arguments, argv[0] being the
 * command's name. Flags and files may come in any order. "--" ends the
 * flags: for build, what follows are files; for run, what follows are the
 * program's arguments. -h or --help prints the command's help on standard
 * output and returns PARSE_HELP; a bad flag prints an error and returns
 * PARSE_ERROR. The files are not checked here.
 */
enum parse_result options_parse(struct options *o, int argc, char **argv);

/* ---- target.c: the target ---- */

/* target says how to build for one architecture. target_init fills it. */
struct target {
	const char *arch;    /* "amd64" or "arm64" */
	struct strvec cc;    /* the compiler: one or more words */
	char *include;       /* <root>/include/weft */
	char *lib;           /* <root>/lib/weft or <root>/lib/weft/arm64 */
	char *symtab;        /* <root>/bin/weft-symtab, the symbol-table generator */
	const char *flags;   /* WEFT_AMD64_FLAGS or WEFT_ARM64_FLAGS */
	bool static_hosted;  /* link hosted programs statically too (arm64) */
	bool qemu;           /* run programs under qemu-aarch64 */
};

/*
 * target_init fills t from WEFTARCH, CC or CC_ARM64 and the location of
 * the weft executable, and checks that the header and the libraries this
 * build needs exist. It returns 0 or, after printing why, EXIT_ERROR; t
 * must be freed with target_free either way.
 */
int target_init(const struct options *o, struct target *t);

/* target_free frees what target_init allocated. */
void target_free(struct target *t);

/* ---- compile.c: compiling ---- */

/*
 * compile_file compiles the source file src into the object file obj and,
 * if dep is not NULL, has the compiler write the files src depends on
 * (src and every header it included) to dep, in make's syntax. It returns
 * what run_tool does.
 *
 * The flags: WEFT_FPFLAGS and the arch's t->flags, which keep frame
 * pointers everywhere, since the tracer walks them (build.ninja says why
 * each); no stack protector, since a freestanding program has no canary
 * and no __stack_chk_fail (a hosted one could, but the same source should
 * build the same way in both modes); warnings shown but not fatal.
 * WEFTFLAGS comes last so that it can override any of these.
 */
int compile_file(const struct options *o, const struct target *t,
		 const char *src, const char *obj, const char *dep);

/*
 * compile_write_depfile writes the contents of o->depfile (--depfile): one
 * make rule whose target is out and whose prerequisites are every file
 * that the compiler's dependency files deps (compile_file's dep) name,
 * each once, in the order first named. It writes them to a new temporary
 * file beside o->depfile and returns its name, which the caller renames
 * onto o->depfile once the program is built, or removes; or it returns
 * NULL after printing why.
 */
char *compile_write_depfile(const struct options *o, const struct strvec *deps,
			    const char *out);

/* ---- link.c: linking ---- */

/*
 * link_program links the object files objs with the runtime into out.
 *
 * It links twice: first without a symbol table, which the generator then
 * reads (DWARF, .eh_frame, the FuncID marks) to write the table, then with
 * it. The table is read-only data placed after the text, so no code may
 * move between the two links; the generator checks that every function
 * kept its address, and a build where one moved fails. With -g0 there is
 * no DWARF, and the program is linked once, without a table.
 *
 * Links go to temporary files in out's directory, and only a finished
 * program is renamed onto out, so out is never half-written and a failure
 * leaves it as it was. It returns 0, EXIT_FAILED or EXIT_ERROR.
 */
int link_program(const struct options *o, const struct target *t,
		 const char *tmpdir, const struct strvec *objs, const char *out);

/* ---- help.c: help ---- */

/*
 * help_print prints the help for cmd ("build", "run", "version" or
 * "help"), or the general usage if cmd is NULL, on f.
 */
void help_print(FILE *f, const char *cmd);

#endif
