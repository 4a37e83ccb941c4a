/*
 * cmd/weft.c: the weft command, which builds and runs weft programs.
 *
 *	weft build [-o OUT] [--libc] [-O LEVEL] [-g0] [-v] FILE.c...
 *	weft run [--libc] [-O LEVEL] [-g0] [-v] FILE.c... [-- ARGS...]
 *	weft version
 *	weft help [COMMAND]
 *
 * weft is to a weft program what "go build" is to a Go one: it knows where
 * the runtime is and which flags the runtime needs, so nobody has to write
 * a link line by hand. It is a host tool: an ordinary C program using libc.
 *
 * Where the runtime is. weft finds everything relative to its own
 * executable (/proc/self/exe), so a build tree (<root> is build/) or an
 * installed copy (<root> is the PREFIX of "ninja install") works wherever
 * it is put:
 *
 *	<root>/bin/weft                      this program
 *	<root>/bin/weft-symtab               the symbol-table generator
 *	<root>/include/weft/weft.h           the public header (and funcid.h)
 *	<root>/lib/weft/libweft.a            the runtime (amd64)
 *	<root>/lib/weft/libweft_hosted.a     main() on top of libc, for --libc (amd64)
 *	<root>/lib/weft/arm64/libweft.a      the same two archives for arm64
 *	<root>/lib/weft/arm64/libweft_hosted.a
 *
 * The version and the git commit weft was built from come from
 * build/gen/version.h, which build.ninja writes.
 *
 * How a build goes. Each FILE.c is compiled to an object file in a fresh
 * temporary directory. The objects are linked with the runtime into a
 * temporary file beside OUT, which is renamed onto OUT only if the link
 * succeeded. rename() replaces a file atomically, so OUT is always either
 * the old file or the complete new one, and a failed build leaves it
 * alone. The temporary directory is removed whatever happens.
 *
 * There are two ways to link:
 *  - freestanding (the default): no C library at all. The runtime's own
 *    _start is the entry point; -Wl,-u,_start pulls it out of the archive,
 *    and libgcc supplies the compiler's helper routines (libgcc is part of
 *    the compiler, not a C library).
 *  - hosted (--libc): libc's start-up code calls main(), which
 *    libweft_hosted.a defines; the runtime's threads are pthreads.
 *
 * Child processes. The compiler and (for "run") the program are started
 * with posix_spawnp and waited for. There is no shell in between, so file
 * names with spaces or quotes need no escaping. While a child runs, weft
 * ignores SIGINT and SIGQUIT, as system() does: ^C stops the child, and
 * weft lives on to remove its temporary files.
 *
 * Exit status: 0 on success; 1 when the compiler or linker rejected the
 * program (its own messages come first); 2 for every error weft detects
 * itself (usage, missing files, a missing runtime library, a failed system
 * call). "weft run" exits with the program's status, or 128+N when signal
 * N killed it, as a shell does.
 *
 * Memory: a failed allocation ends weft at once (see oom); everything else
 * is freed by whoever allocated it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "version.h" /* WEFT_VERSION, WEFT_COMMIT */

extern char **environ;

enum {
	EXIT_FAILED = 1, /* the compiler or linker rejected the program */
	EXIT_ERROR = 2,  /* anything weft detects itself */
};

#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))

/* ---- errors and memory ---- */

/*
 * errorf prints "weft CMD: message" on standard error, or "weft: message"
 * when cmd is NULL. The message has no trailing newline.
 */
PRINTF_LIKE(2, 3)
static void errorf(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (cmd)
		fprintf(stderr, "weft %s: ", cmd);
	else
		fputs("weft: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * oom reports that memory ran out and exits. A tool that cannot allocate a
 * few hundred bytes has nothing useful left to do; it does not try to
 * remove its temporary files.
 */
static _Noreturn void oom(void)
{
	fputs("weft: out of memory\n", stderr);
	exit(EXIT_ERROR);
}

/* xrealloc is realloc that never returns NULL. */
static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		oom();
	return p;
}

/* xstrdup is strdup that never returns NULL. */
static char *xstrdup(const char *s)
{
	char *t = strdup(s);
	if (!t)
		oom();
	return t;
}

/* xvasprintf and xasprintf return a newly allocated formatted string. */
PRINTF_LIKE(1, 0)
static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

PRINTF_LIKE(1, 2)
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* ---- argument vectors ---- */

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
static void sv_take(struct strvec *sv, char *s)
{
	if (sv->len + 2 > sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->len++] = s;
	sv->v[sv->len] = NULL;
}

/* sv_push appends a copy of s. */
static void sv_push(struct strvec *sv, const char *s)
{
	sv_take(sv, xstrdup(s));
}

/* sv_pushf appends a formatted string. */
PRINTF_LIKE(2, 3)
static void sv_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_take(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

/*
 * sv_push_path appends a file name for a compiler command line, adding
 * "./" to one that starts with '-' so it is not taken for a flag.
 */
static void sv_push_path(struct strvec *sv, const char *path)
{
	sv_pushf(sv, "%s%s", path[0] == '-' ? "./" : "", path);
}

/* sv_extend appends copies of all of w's strings. */
static void sv_extend(struct strvec *sv, const struct strvec *w)
{
	for (size_t i = 0; i < w->len; i++)
		sv_push(sv, w->v[i]);
}

/*
 * sv_split appends the words of s, which are separated by spaces, tabs or
 * newlines. There is no quoting: this is how make splits $(CC). s may be
 * NULL.
 */
static void sv_split(struct strvec *sv, const char *s)
{
	static const char space[] = " \t\n";

	if (!s)
		return;
	for (;;) {
		s += strspn(s, space);
		size_t n = strcspn(s, space);
		if (n == 0)
			return;
		char *w = strndup(s, n);
		if (!w)
			oom();
		sv_take(sv, w);
		s += n;
	}
}

/* sv_free frees the strings and the array, leaving sv empty. */
static void sv_free(struct strvec *sv)
{
	for (size_t i = 0; i < sv->len; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct strvec){0};
}

/*
 * print_command writes argv to standard error as one shell command line,
 * quoting the words that need it, so that it can be pasted into a shell.
 */
static void print_command(char *const argv[])
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789-_./=+,:@%";

	for (size_t i = 0; argv[i]; i++) {
		const char *w = argv[i];
		if (i > 0)
			fputc(' ', stderr);
		if (w[0] != '\0' && w[strspn(w, safe)] == '\0') {
			fputs(w, stderr);
			continue;
		}
		fputc('\'', stderr);
		for (; *w; w++) {
			if (*w == '\'')
				fputs("'\\''", stderr);
			else
				fputc(*w, stderr);
		}
		fputc('\'', stderr);
	}
	fputc('\n', stderr);
}

/* ---- child processes ---- */

/*
 * spawn_wait runs argv (argv[0] is looked up in PATH unless it holds a
 * '/') and waits for it to end, storing its wait status in *wstatus. It
 * returns 0, or -1 with errno set if the program could not be started.
 *
 * Like system(), it ignores SIGINT and SIGQUIT in weft while the child
 * runs, so that ^C, which the terminal sends to both, ends only the child;
 * the child gets back the dispositions weft had.
 */
static int spawn_wait(char *const argv[], int *wstatus)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	struct sigaction old_int, old_quit;
	posix_spawnattr_t attr;
	sigset_t dfl;
	pid_t pid;
	int err;

	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGINT, &ign, &old_int) < 0)
		return -1;
	if (sigaction(SIGQUIT, &ign, &old_quit) < 0) {
		err = errno;
		sigaction(SIGINT, &old_int, NULL);
		errno = err;
		return -1;
	}

	/* weft installs no handlers, so each old disposition was either
	 * SIG_IGN, which the child inherits anyway, or SIG_DFL. */
	sigemptyset(&dfl);
	if (old_int.sa_handler == SIG_DFL)
		sigaddset(&dfl, SIGINT);
	if (old_quit.sa_handler == SIG_DFL)
		sigaddset(&dfl, SIGQUIT);

	err = posix_spawnattr_init(&attr);
	if (err == 0) {
		err = posix_spawnattr_setsigdefault(&attr, &dfl);
		if (err == 0)
			err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
		if (err == 0)
			err = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
		posix_spawnattr_destroy(&attr);
	}
	if (err == 0) {
		while (waitpid(pid, wstatus, 0) < 0) {
			if (errno != EINTR) {
				err = errno;
				break;
			}
		}
	}

	/* Restoring what sigaction returned cannot fail. */
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- options ---- */

/* options holds what the command line and WEFTVERBOSE asked for. */
struct options {
	const char *cmd;      /* "build" or "run", for messages */
	const char *out;      /* -o OUT, or NULL for the default */
	bool libc;            /* --libc: a hosted build */
	const char *opt;      /* -O LEVEL; "2" by default */
	bool debug;           /* -g; cleared by -g0 */
	bool verbose;         /* -v or WEFTVERBOSE=1: print commands */
	struct strvec files;  /* the FILE.c operands */
	char **args;          /* run: the program's arguments, NULL-terminated */
};

enum parse_result { PARSE_OK, PARSE_HELP, PARSE_ERROR };

static void print_help(FILE *f, const char *cmd);

/* options_init sets o to the defaults for command cmd. */
static void options_init(struct options *o, const char *cmd)
{
	const char *v = getenv("WEFTVERBOSE");

	*o = (struct options){
		.cmd = cmd,
		.opt = "2",
		.debug = true,
		.verbose = v && *v && strcmp(v, "0") != 0,
	};
}

/* options_free frees what parse_options allocated. */
static void options_free(struct options *o)
{
	sv_free(&o->files);
}

/*
 * flag_value returns the value of the flag at argv[*i], whose name is
 * namelen bytes long: the rest of the argument ("-O3") or else the next
 * argument ("-O 3"), in which case it advances *i. It returns NULL, after
 * saying so, when there is no value.
 */
static const char *flag_value(const struct options *o, int argc, char **argv,
			      int *i, size_t namelen)
{
	const char *a = argv[*i];

	if (a[namelen] != '\0')
		return a + namelen;
	if (*i + 1 >= argc) {
		errorf(o->cmd, "flag %s needs a value (see 'weft help %s')", a,
		       o->cmd);
		return NULL;
	}
	return argv[++*i];
}

/* valid_opt_level reports whether -O's value is one gcc and clang accept. */
static bool valid_opt_level(const char *level)
{
	static const char *const levels[] = {"0", "1", "2", "3", "s", "g", "z", "fast"};

	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(level, levels[i]) == 0)
			return true;
	return false;
}

/*
 * parse_options fills o from a command's arguments, argv[0] being the
 * command's name. Flags and files may come in any order. "--" ends the
 * flags: for build, what follows are files; for run, what follows are the
 * program's arguments. -h or --help prints the command's help on standard
 * output and returns PARSE_HELP; a bad flag prints an error and returns
 * PARSE_ERROR. The files are not checked here.
 */
static enum parse_result parse_options(struct options *o, int argc, char **argv)
{
	bool run = strcmp(o->cmd, "run") == 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val;

		if (strcmp(a, "--") == 0) {
			if (run) {
				o->args = &argv[i + 1];
				break;
			}
			while (++i < argc)
				sv_push(&o->files, argv[i]);
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			sv_push(&o->files, a);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_help(stdout, o->cmd);
			return PARSE_HELP;
		} else if (strcmp(a, "--libc") == 0) {
			o->libc = true;
		} else if (strcmp(a, "-g0") == 0) {
			o->debug = false;
		} else if (strcmp(a, "-v") == 0) {
			o->verbose = true;
		} else if (!run && strncmp(a, "-o", 2) == 0) {
			if (!(val = flag_value(o, argc, argv, &i, 2)))
				return PARSE_ERROR;
			o->out = val;
		} else if (strncmp(a, "-O", 2) == 0) {
			if (!(val = flag_value(o, argc, argv, &i, 2)))
				return PARSE_ERROR;
			if (!valid_opt_level(val)) {
				errorf(o->cmd, "bad optimization level -O %s "
				       "(want 0, 1, 2, 3, s, g, z or fast)", val);
				return PARSE_ERROR;
			}
			o->opt = val;
		} else {
			errorf(o->cmd, "unknown flag %s (see 'weft help %s')", a,
			       o->cmd);
			return PARSE_ERROR;
		}
	}
	return PARSE_OK;
}

/* ---- files ---- */

/* base_name returns the part of path after its last '/'. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* is_c_file reports whether path's last component is NAME.c with NAME not empty. */
static bool is_c_file(const char *path)
{
	const char *base = base_name(path);
	size_t n = strlen(base);

	return n > 2 && strcmp(base + n - 2, ".c") == 0;
}

/*
 * file_stem returns a new string holding the last component of a path
 * that is_c_file accepted, without its ".c": "src/hello.c" gives "hello".
 */
static char *file_stem(const char *path)
{
	const char *base = base_name(path);
	char *stem = strndup(base, strlen(base) - 2);

	if (!stem)
		oom();
	return stem;
}

/*
 * check_sources makes sure there is at least one file and that each names
 * an existing regular file ending in ".c". It returns 0 or, after printing
 * why, EXIT_ERROR.
 */
static int check_sources(const struct options *o)
{
	bool run = strcmp(o->cmd, "run") == 0;

	if (o->files.len == 0) {
		errorf(o->cmd, "no .c files given (see 'weft help %s')", o->cmd);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < o->files.len; i++) {
		const char *f = o->files.v[i];
		struct stat st;

		if (!is_c_file(f)) {
			errorf(o->cmd, "%s: not a .c file%s", f,
			       run ? " (the program's arguments go after --)" : "");
			return EXIT_ERROR;
		}
		if (stat(f, &st) < 0) {
			errorf(o->cmd, "%s: %s", f, strerror(errno));
			return EXIT_ERROR;
		}
		if (!S_ISREG(st.st_mode)) {
			errorf(o->cmd, "%s: not a regular file", f);
			return EXIT_ERROR;
		}
	}
	return 0;
}

/*
 * check_output refuses an output path that is empty, a directory or one of
 * the source files. It returns 0 or, after printing why, EXIT_ERROR. A
 * missing directory is reported later, when the link's temporary file
 * cannot be created there.
 */
static int check_output(const struct options *o, const char *out)
{
	struct stat st, src;

	if (out[0] == '\0') {
		errorf(o->cmd, "empty output file name");
		return EXIT_ERROR;
	}
	if (stat(out, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		errorf(o->cmd, "%s: %s", out, strerror(errno));
		return EXIT_ERROR;
	}
	if (S_ISDIR(st.st_mode)) {
		errorf(o->cmd, "%s is a directory", out);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < o->files.len; i++) {
		if (stat(o->files.v[i], &src) == 0 && src.st_dev == st.st_dev &&
		    src.st_ino == st.st_ino) {
			errorf(o->cmd, "output %s would overwrite the source file %s",
			       out, o->files.v[i]);
			return EXIT_ERROR;
		}
	}
	return 0;
}

/*
 * make_tmpdir creates a new private directory under $TMPDIR (default /tmp)
 * and returns its name, or prints why it could not and returns NULL.
 */
static char *make_tmpdir(const struct options *o)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	char *dir = xasprintf("%s/weft-%s-XXXXXX", base, o->cmd);
	if (!mkdtemp(dir)) {
		errorf(o->cmd, "cannot create temporary directory %s: %s", dir,
		       strerror(errno));
		free(dir);
		return NULL;
	}
	if (o->verbose)
		fprintf(stderr, "WORK=%s\n", dir);
	return dir;
}

/* remove_entry is remove_tmpdir's nftw callback: it removes one file or
 * (already emptied) directory. */
static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/*
 * remove_tmpdir removes dir and everything in it, then frees dir. A
 * failure is reported but does not change the command's exit status: the
 * build itself is done.
 */
static void remove_tmpdir(const struct options *o, char *dir)
{
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		errorf(o->cmd, "cannot remove temporary directory %s: %s", dir,
		       strerror(errno));
	free(dir);
}

/* ---- the target ---- */

/* target says how to build for one architecture. target_init fills it. */
struct target {
	const char *arch;    /* "amd64" or "arm64" */
	struct strvec cc;    /* the compiler: one or more words */
	char *include;       /* <root>/include/weft */
	char *lib;           /* <root>/lib/weft or <root>/lib/weft/arm64 */
	char *symtab;        /* <root>/bin/weft-symtab, the symbol-table generator */
	bool leaf_fp;        /* pass -mno-omit-leaf-frame-pointer (amd64 only) */
	bool static_hosted;  /* link hosted programs statically too (arm64) */
	bool qemu;           /* run programs under qemu-aarch64 */
};

/*
 * self_root returns <root>, the parent of the directory holding the weft
 * executable, as a new string; or NULL with errno set. The kernel's
 * /proc/self/exe is absolute with symbolic links resolved, so the result
 * is too.
 */
static char *self_root(void)
{
	for (size_t cap = 256;; cap *= 2) {
		char *buf = xrealloc(NULL, cap);
		ssize_t n = readlink("/proc/self/exe", buf, cap);

		if (n < 0) {
			int err = errno;
			free(buf);
			errno = err;
			return NULL;
		}
		if ((size_t)n < cap) {
			/* buf was big enough: drop "/weft", then "/bin". */
			buf[n] = '\0';
			for (int i = 0; i < 2; i++) {
				char *slash = strrchr(buf, '/');
				if (!slash) {
					free(buf);
					errno = EINVAL;
					return NULL;
				}
				*slash = '\0';
			}
			if (buf[0] == '\0')
				strcpy(buf, "/"); /* weft was /bin/weft */
			return buf;
		}
		free(buf);
	}
}

/* path_join returns a new string "dir/name". */
static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return xasprintf("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
}

/*
 * need_file checks that the runtime file dir/name is readable. It returns
 * 0 or, after naming the missing path, EXIT_ERROR.
 */
static int need_file(const struct options *o, const struct target *t,
		     const char *what, const char *dir, const char *name)
{
	char *path = path_join(dir, name);
	int rc = 0;

	if (access(path, R_OK) < 0) {
		errorf(o->cmd, "missing %s %s: %s (is the %s runtime built?)", what,
		       path, strerror(errno), t->arch);
		rc = EXIT_ERROR;
	}
	free(path);
	return rc;
}

/* target_free frees what target_init allocated. */
static void target_free(struct target *t)
{
	sv_free(&t->cc);
	free(t->include);
	free(t->symtab);
	free(t->lib);
	*t = (struct target){0};
}

/* target_cc sets t's compiler from the environment variable var (several
 * words allowed), or def when it is unset or empty. */
static void target_cc(struct target *t, const char *var, const char *def)
{
	sv_split(&t->cc, getenv(var));
	if (t->cc.len == 0)
		sv_push(&t->cc, def);
}

/*
 * target_init fills t from WEFTARCH, CC or CC_ARM64 and the location of
 * the weft executable, and checks that the header and the libraries this
 * build needs exist. It returns 0 or, after printing why, EXIT_ERROR; t
 * must be freed with target_free either way.
 */
static int target_init(const struct options *o, struct target *t)
{
	const char *arch = getenv("WEFTARCH");
	char *root;
	struct utsname u;
	int rc;

	*t = (struct target){0};
	if (!arch || !*arch || strcmp(arch, "amd64") == 0) {
		t->arch = "amd64";
		t->leaf_fp = true;
		target_cc(t, "CC", "gcc");
	} else if (strcmp(arch, "arm64") == 0) {
		t->arch = "arm64";
		t->static_hosted = true;
		target_cc(t, "CC_ARM64", "aarch64-linux-gnu-gcc");
		if (uname(&u) < 0) {
			errorf(o->cmd, "uname: %s", strerror(errno));
			return EXIT_ERROR;
		}
		t->qemu = strcmp(u.machine, "aarch64") != 0;
	} else {
		errorf(o->cmd, "unknown WEFTARCH=%s (want amd64 or arm64)", arch);
		return EXIT_ERROR;
	}

	if (!(root = self_root())) {
		errorf(o->cmd, "cannot find the weft executable: /proc/self/exe: %s",
		       strerror(errno));
		return EXIT_ERROR;
	}
	t->include = path_join(root, "include/weft");
	t->lib = path_join(root, strcmp(t->arch, "arm64") == 0 ? "lib/weft/arm64" : "lib/weft");
	t->symtab = path_join(root, "bin/weft-symtab");
	free(root);

	rc = need_file(o, t, "runtime header", t->include, "weft.h");
	if (rc == 0)
		rc = need_file(o, t, "runtime library", t->lib, "libweft.a");
	if (rc == 0 && o->libc)
		rc = need_file(o, t, "runtime library", t->lib, "libweft_hosted.a");
	if (rc == 0 && o->debug && access(t->symtab, X_OK) < 0) {
		errorf(o->cmd, "missing symbol-table generator %s: %s", t->symtab, strerror(errno));
		rc = EXIT_ERROR;
	}
	return rc;
}

/* ---- building ---- */

/*
 * run_tool runs a compiler or linker command, printing it first under -v.
 * It returns 0 if the command succeeded, EXIT_FAILED if it ran and failed
 * (it has printed its own messages), or EXIT_ERROR if it could not be
 * started.
 */
static int run_tool(const struct options *o, const struct strvec *cmd)
{
	int ws;

	if (o->verbose)
		print_command(cmd->v);
	if (spawn_wait(cmd->v, &ws) < 0) {
		errorf(o->cmd, "cannot run %s: %s", cmd->v[0], strerror(errno));
		return EXIT_ERROR;
	}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	if (WIFSIGNALED(ws))
		errorf(o->cmd, "%s: killed by signal %d (%s)", cmd->v[0],
		       WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	return EXIT_FAILED;
}

/*
 * compile compiles the source file src into the object file obj. It
 * returns what run_tool does.
 *
 * The flags: frame pointers everywhere, since the tracer walks them; no
 * stack protector, since a freestanding program has no canary and no
 * __stack_chk_fail (a hosted one could, but the same source should build
 * the same way in both modes); warnings shown but not fatal. WEFTFLAGS
 * comes last so that it can override any of these.
 */
static int compile(const struct options *o, const struct target *t,
		   const char *src, const char *obj)
{
	struct strvec cmd = {0};
	int rc;

	sv_extend(&cmd, &t->cc);
	sv_push(&cmd, "-std=gnu11");
	sv_pushf(&cmd, "-O%s", o->opt);
	sv_push(&cmd, o->debug ? "-g" : "-g0");
	sv_push(&cmd, "-fno-omit-frame-pointer");
	/* A tail call leaves no frame: keep every caller on the chain, so
	 * stacks (panics, weft_callers, traces) show each call, as Go's do. */
	sv_push(&cmd, "-fno-optimize-sibling-calls");
	if (t->leaf_fp)
		sv_push(&cmd, "-mno-omit-leaf-frame-pointer");
	else /* arm64: libgcc's outline atomics need libc's getauxval */
		sv_push(&cmd, "-mno-outline-atomics");
	sv_push(&cmd, "-fno-stack-protector");
	sv_push(&cmd, "-Wall");
	sv_pushf(&cmd, "-I%s", t->include);
	sv_split(&cmd, getenv("WEFTFLAGS"));
	sv_push(&cmd, "-c");
	sv_push_path(&cmd, src);
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, obj);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
	return rc;
}

/*
 * make_tmpfile creates an empty file "prefix.tmpXXXXXX" with the mode a
 * new executable gets, and returns its name, or NULL after an error.
 */
static char *make_tmpfile(const struct options *o, const char *prefix)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", prefix);
	int fd = mkstemp(tmp);
	mode_t mask;

	if (fd < 0) {
		errorf(o->cmd, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	/* mkstemp makes the file 0600. Give it the mode a new executable
	 * would have, in case the linker writes into it rather than
	 * replacing it. (umask can only be read by setting it.) */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0777 & ~mask) < 0 || close(fd) < 0) {
		errorf(o->cmd, "cannot set up %s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
}

/* link_once links objs (and extra, if not NULL) with the runtime into
 * dest. It returns 0, EXIT_FAILED or EXIT_ERROR. */
static int link_once(const struct options *o, const struct target *t,
		     const struct strvec *objs, const char *extra, const char *dest)
{
	struct strvec cmd = {0};
	int rc;

	sv_extend(&cmd, &t->cc);
	if (!o->libc) {
		sv_push(&cmd, "-static");
		sv_push(&cmd, "-nostdlib");
		/* Not a static PIE: nothing would apply its relocations. gcc
		 * needs saying so; clang links -static as non-PIE already and
		 * warns about the flag. */
		bool clang = false;
		for (size_t i = 0; i < t->cc.len; i++)
			clang = clang || strstr(t->cc.v[i], "clang");
		if (!clang)
			sv_push(&cmd, "-no-pie");
	} else if (t->static_hosted) {
		sv_push(&cmd, "-static");
	}
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, dest);
	for (size_t i = 0; i < objs->len; i++)
		sv_push_path(&cmd, objs->v[i]);
	if (!o->libc) {
		sv_push(&cmd, "-Wl,-u,_start");
		sv_take(&cmd, path_join(t->lib, "libweft.a"));
		sv_push(&cmd, "-lgcc");
	} else {
		sv_take(&cmd, path_join(t->lib, "libweft_hosted.a"));
		sv_take(&cmd, path_join(t->lib, "libweft.a"));
		sv_push(&cmd, "-lpthread");
	}
	sv_split(&cmd, getenv("WEFTLDFLAGS")); /* e.g. more libraries */
	/* Last: even its empty, aligned .text then comes after all the code,
	 * which stays where the first link put it. */
	if (extra)
		sv_push_path(&cmd, extra);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
	return rc;
}

/*
 * make_symtab turns the executable exe into the object tmpdir/symtab.o
 * holding its symbol table (abi/symtab.h) as the symbol weft_symtab: the
 * generator writes the table, and a two-line assembly file includes it.
 * It returns 0, EXIT_FAILED or EXIT_ERROR.
 */
static int make_symtab(const struct options *o, const struct target *t, const char *tmpdir,
		       const char *exe, char **objp)
{
	char *bin = xasprintf("%s/symtab.bin", tmpdir);
	char *src = xasprintf("%s/symtab.S", tmpdir);
	char *obj = xasprintf("%s/symtab.o", tmpdir);
	struct strvec cmd = {0};
	FILE *f;
	int rc;

	sv_push(&cmd, t->symtab);
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, bin);
	sv_push_path(&cmd, exe);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
	if (rc != 0)
		goto out;

	if (!(f = fopen(src, "w"))) {
		errorf(o->cmd, "cannot create %s: %s", src, strerror(errno));
		rc = EXIT_ERROR;
		goto out;
	}
	/* .incbin takes a quoted string: tmpdir names never hold quotes. */
	fprintf(f, "\t.section .rodata.weft_symtab, \"a\"\n"
		   "\t.balign 8\n"
		   "\t.globl weft_symtab\n"
		   "weft_symtab:\n"
		   "\t.incbin \"%s\"\n"
		   "\t.section .note.GNU-stack, \"\", %%progbits\n",
		bin);
	if (fclose(f) != 0) {
		errorf(o->cmd, "cannot write %s: %s", src, strerror(errno));
		rc = EXIT_ERROR;
		goto out;
	}
	sv_extend(&cmd, &t->cc);
	sv_push(&cmd, "-c");
	sv_push_path(&cmd, src);
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, obj);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
out:
	if (rc == 0) {
		*objp = obj;
		obj = NULL;
	}
	free(bin);
	free(src);
	free(obj);
	return rc;
}

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
static int link_program(const struct options *o, const struct target *t,
			const char *tmpdir, const struct strvec *objs, const char *out)
{
	char *first = NULL, *second = NULL, *symobj = NULL;
	const char *result;
	int rc;

	if (!(first = make_tmpfile(o, out)))
		return EXIT_ERROR;
	rc = link_once(o, t, objs, NULL, first);
	result = first;
	if (rc == 0 && o->debug) {
		rc = make_symtab(o, t, tmpdir, first, &symobj);
		if (rc == 0 && !(second = make_tmpfile(o, out)))
			rc = EXIT_ERROR;
		if (rc == 0)
			rc = link_once(o, t, objs, symobj, second);
		if (rc == 0) {
			struct strvec cmd = {0};
			sv_push(&cmd, t->symtab);
			sv_push(&cmd, "--same");
			sv_push_path(&cmd, first);
			sv_push_path(&cmd, second);
			rc = run_tool(o, &cmd);
			sv_free(&cmd);
			if (rc == EXIT_FAILED)
				errorf(o->cmd, "code moved between the links without and with the symbol table");
		}
		if (rc != 0)
			errorf(o->cmd, "cannot give the program its symbol table");
		result = second;
	}
	if (rc == 0) {
		if (o->verbose) {
			struct strvec mv = {0};
			sv_push(&mv, "mv");
			sv_push(&mv, result);
			sv_push(&mv, out);
			print_command(mv.v);
			sv_free(&mv);
		}
		if (rename(result, out) < 0) {
			errorf(o->cmd, "cannot rename %s to %s: %s", result, out, strerror(errno));
			rc = EXIT_ERROR;
		}
	}
	/* The linker may already have removed a file after an error. */
	if (first && (rc != 0 || result != first) && unlink(first) < 0 && errno != ENOENT)
		errorf(o->cmd, "cannot remove %s: %s", first, strerror(errno));
	if (second && rc != 0 && unlink(second) < 0 && errno != ENOENT)
		errorf(o->cmd, "cannot remove %s: %s", second, strerror(errno));
	free(first);
	free(second);
	free(symobj);
	return rc;
}

/*
 * build_in compiles o's files into objects in the directory tmpdir and
 * links them into out. It returns 0, EXIT_FAILED (after saying
 * "compilation failed") or EXIT_ERROR. The caller removes tmpdir.
 */
static int build_in(const struct options *o, const struct target *t,
		    const char *tmpdir, const char *out)
{
	struct strvec objs = {0};
	int rc = 0;

	for (size_t i = 0; i < o->files.len && rc == 0; i++) {
		/* The index keeps a/util.c and b/util.c apart. */
		char *stem = file_stem(o->files.v[i]);
		char *obj = xasprintf("%s/%zu-%s.o", tmpdir, i, stem);

		rc = compile(o, t, o->files.v[i], obj);
		sv_take(&objs, obj);
		free(stem);
	}
	if (rc == 0)
		rc = link_program(o, t, tmpdir, &objs, out);
	if (rc == EXIT_FAILED)
		errorf(o->cmd, "compilation failed");
	sv_free(&objs);
	return rc;
}

/* ---- commands ---- */

/*
 * begin_command parses the flags of command cmd into o and checks its
 * source files. It returns true when the command should go on; otherwise
 * *rc is the exit status (0 after -h). o must be freed either way.
 */
static bool begin_command(struct options *o, const char *cmd, int argc, char **argv, int *rc)
{
	options_init(o, cmd);
	switch (parse_options(o, argc, argv)) {
	case PARSE_OK:
		break;
	case PARSE_HELP:
		*rc = 0;
		return false;
	case PARSE_ERROR:
		*rc = EXIT_ERROR;
		return false;
	}
	*rc = check_sources(o);
	return *rc == 0;
}

/* cmd_build is "weft build"; argv[0] is "build". It returns the exit status. */
static int cmd_build(int argc, char **argv)
{
	struct options o;
	struct target t = {0};
	char *out = NULL, *tmpdir;
	int rc;

	if (!begin_command(&o, "build", argc, argv, &rc))
		goto done;
	out = o.out ? xstrdup(o.out) : file_stem(o.files.v[0]);
	if ((rc = check_output(&o, out)) != 0 || (rc = target_init(&o, &t)) != 0)
		goto done;
	if (!(tmpdir = make_tmpdir(&o))) {
		rc = EXIT_ERROR;
		goto done;
	}
	rc = build_in(&o, &t, tmpdir, out);
	remove_tmpdir(&o, tmpdir);
done:
	free(out);
	target_free(&t);
	options_free(&o);
	return rc;
}

/*
 * run_program runs the program exe with o->args and returns what "weft
 * run" exits with: the program's exit status, or 128+N when signal N
 * killed it. As in a shell, a death by signal is reported unless the
 * signal was SIGINT or SIGPIPE, which explain themselves.
 */
static int run_program(const struct options *o, const struct target *t,
		       const char *exe)
{
	struct strvec cmd = {0};
	int ws, rc;

	if (t->qemu)
		sv_push(&cmd, "qemu-aarch64");
	sv_push(&cmd, exe);
	for (char **a = o->args; a && *a; a++)
		sv_push(&cmd, *a);
	if (o->verbose)
		print_command(cmd.v);
	if (spawn_wait(cmd.v, &ws) < 0) {
		errorf(o->cmd, "cannot run %s: %s", cmd.v[0], strerror(errno));
		rc = EXIT_ERROR;
	} else if (WIFEXITED(ws)) {
		rc = WEXITSTATUS(ws);
	} else {
		int sig = WTERMSIG(ws);
		if (sig != SIGINT && sig != SIGPIPE)
			errorf(o->cmd, "%s: %s%s", base_name(exe), strsignal(sig),
			       WCOREDUMP(ws) ? " (core dumped)" : "");
		rc = 128 + sig;
	}
	sv_free(&cmd);
	return rc;
}

/* cmd_run is "weft run"; argv[0] is "run". It returns the exit status. */
static int cmd_run(int argc, char **argv)
{
	struct options o;
	struct target t = {0};
	char *stem, *exe, *tmpdir;
	int rc;

	if (!begin_command(&o, "run", argc, argv, &rc) || (rc = target_init(&o, &t)) != 0)
		goto done;
	if (!(tmpdir = make_tmpdir(&o))) {
		rc = EXIT_ERROR;
		goto done;
	}
	stem = file_stem(o.files.v[0]);
	exe = path_join(tmpdir, stem);
	rc = build_in(&o, &t, tmpdir, exe);
	if (rc == 0)
		rc = run_program(&o, &t, exe);
	remove_tmpdir(&o, tmpdir);
	free(exe);
	free(stem);
done:
	target_free(&t);
	options_free(&o);
	return rc;
}

/* ---- help ---- */

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
	"usage: weft build [-o OUT] [--libc] [-O LEVEL] [-g0] [-v] FILE.c...\n"
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
	"files and lines, inlined calls included. It is linked twice, without and\n"
	"with the table, and the build fails if any code moved in between. With\n"
	"-g0 there is no debugging information and no table.\n"
	"\n"
	"OUT is written only when the build succeeds; a failed build leaves it\n"
	"as it was.\n"
	"\n"
	"The flags are:\n"
	"\n"
	"\t-o OUT      write the program to OUT (default: the first file's name\n"
	"\t            without .c, in the current directory)\n";

static const char common_flags_text[] =
	"\t--libc      link with the C library (a hosted program)\n"
	"\t-O LEVEL    optimization level: 0, 1, 2, 3, s, g, z or fast (default 2)\n"
	"\t-g0         no debugging information (default -g)\n"
	"\t-v          print the commands as they run (also WEFTVERBOSE=1)\n"
	"\t-h, --help  print this help\n"
	"\n"
	"Each file is compiled with\n"
	"\n"
	"\t$CC -std=gnu11 -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls\n"
	"\t    -mno-omit-leaf-frame-pointer (amd64 only) -fno-stack-protector\n"
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
	"\t              for \"go tool trace FILE\" (Go 1.22 or newer)\n"
	"\tWEFTTRACEBACK system: panics and fatal errors show the runtime's own\n"
	"\t              frames too (by default a stack starts at the public\n"
	"\t              weft_* function the program called), as Go's\n"
	"\t              GOTRACEBACK=system\n"
	"\tWEFTDEBUG     debugging options, name=value separated by commas:\n"
	"\t                tracefpunwindoff=1   the tracer unwinds stacks by the\n"
	"\t                                     symbol table's frame rules, not\n"
	"\t                                     frame pointers (slower; a check)\n"
	"\t                tracegenms=N         a trace generation every N ms\n"
	"\t                                     (default about a second)\n"
	"\t                stackguard=mprotect  guard stacks with mprotect, as on\n"
	"\t                                     kernels before 6.13: two memory\n"
	"\t                                     mappings a goroutine\n"
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

/*
 * print_help prints the help for cmd ("build", "run", "version" or
 * "help"), or the general usage if cmd is NULL, on f.
 */
static void print_help(FILE *f, const char *cmd)
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

/* is_command reports whether name is one of weft's commands. */
static bool is_command(const char *name)
{
	return strcmp(name, "build") == 0 || strcmp(name, "run") == 0 ||
	       strcmp(name, "version") == 0 || strcmp(name, "help") == 0;
}

/* cmd_help is "weft help [COMMAND]"; argv[0] is "help". */
static int cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		errorf("help", "too many arguments (usage: weft help [COMMAND])");
		return EXIT_ERROR;
	}
	if (argc == 2 && !is_command(argv[1])) {
		errorf("help", "unknown command %s (see 'weft help')", argv[1]);
		return EXIT_ERROR;
	}
	print_help(stdout, argc == 2 ? argv[1] : NULL);
	return 0;
}

/* cmd_version is "weft version"; argv[0] is "version". */
static int cmd_version(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		print_help(stdout, "version");
		return 0;
	}
	if (argc > 1) {
		errorf("version", "too many arguments (usage: weft version)");
		return EXIT_ERROR;
	}
	printf("weft version %s (commit %s)\n", WEFT_VERSION, WEFT_COMMIT);
	return 0;
}

/*
 * finish flushes standard output, where help goes, and turns a write
 * error (a closed pipe, a full disk) into a failure.
 */
static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errorf(NULL, "writing standard output: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stderr, NULL);
		return EXIT_ERROR;
	}

	const char *cmd = argv[1];
	if (strcmp(cmd, "build") == 0)
		return finish(cmd_build(argc - 1, argv + 1));
	if (strcmp(cmd, "run") == 0)
		return finish(cmd_run(argc - 1, argv + 1));
	if (strcmp(cmd, "version") == 0)
		return finish(cmd_version(argc - 1, argv + 1));
	if (strcmp(cmd, "help") == 0)
		return finish(cmd_help(argc - 1, argv + 1));
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		print_help(stdout, NULL);
		return finish(0);
	}
	errorf(NULL, "unknown command %s (see 'weft help')", cmd);
	return EXIT_ERROR;
}
