/*
 * cmd/weft/main.c: the weft command, which builds and runs weft programs.
 *
 *	weft build [-o OUT] [--depfile FILE] [--libc] [-O LEVEL] [-g0] [-v] FILE.c...
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
 * alone. The temporary directory is removed whatever happens. With
 * --depfile FILE, FILE gets the headers the compiler saw (compile.c) and
 * is replaced the same way, after OUT.
 *
 * How the two links go, freestanding or hosted, is in link.c; how the
 * compiler and the program are started, in util.c.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "driver.h"
#include "version.h" /* WEFT_VERSION, WEFT_COMMIT */

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
 * the source files; what names it in messages ("output", "--depfile").
 * It returns 0 or, after printing why, EXIT_ERROR. A missing directory is
 * reported later, when the temporary file cannot be created there.
 */
static int check_output(const struct options *o, const char *what, const char *out)
{
	struct stat st, src;

	if (out[0] == '\0') {
		errorf(o->cmd, "empty %s file name", what);
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
			errorf(o->cmd, "%s %s would overwrite the source file %s",
			       what, out, o->files.v[i]);
			return EXIT_ERROR;
		}
	}
	return 0;
}

/*
 * check_depfile refuses a --depfile path that check_output would refuse,
 * or that names the output itself.
 */
static int check_depfile(const struct options *o, const char *out)
{
	if (strcmp(o->depfile, out) == 0) {
		errorf(o->cmd, "the dependency file and the output are both %s", out);
		return EXIT_ERROR;
	}
	return check_output(o, "--depfile", o->depfile);
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

/* ---- building ---- */

/*
 * replace_depfile renames tmp, the finished depfile, onto o->depfile,
 * printing the command under -v. It returns 0 or, after printing why,
 * EXIT_ERROR.
 */
static int replace_depfile(const struct options *o, const char *tmp)
{
	if (o->verbose) {
		struct strvec mv = {0};
		sv_push(&mv, "mv");
		sv_push(&mv, tmp);
		sv_push(&mv, o->depfile);
		print_command(mv.v);
		sv_free(&mv);
	}
	if (rename(tmp, o->depfile) < 0) {
		errorf(o->cmd, "cannot rename %s to %s: %s", tmp, o->depfile, strerror(errno));
		return EXIT_ERROR;
	}
	return 0;
}

/*
 * build_in compiles o's files into objects in the directory tmpdir and
 * links them into out. With --depfile, the compiler also writes a
 * dependency file for each object in tmpdir, and o->depfile, made from
 * them before the link, replaces the old one only once out has. It returns
 * 0, EXIT_FAILED (after saying "compilation failed") or EXIT_ERROR. The
 * caller removes tmpdir.
 */
static int build_in(const struct options *o, const struct target *t,
		    const char *tmpdir, const char *out)
{
	struct strvec objs = {0}, deps = {0};
	char *deptmp = NULL;
	int rc = 0;

	for (size_t i = 0; i < o->files.len && rc == 0; i++) {
		/* The index keeps a/util.c and b/util.c apart. */
		char *stem = file_stem(o->files.v[i]);
		char *obj = xasprintf("%s/%zu-%s.o", tmpdir, i, stem);
		char *dep = o->depfile ? xasprintf("%s/%zu-%s.d", tmpdir, i, stem) : NULL;

		rc = compile_file(o, t, o->files.v[i], obj, dep);
		sv_take(&objs, obj);
		if (dep)
			sv_take(&deps, dep);
		free(stem);
	}
	if (rc == 0 && o->depfile && !(deptmp = compile_write_depfile(o, &deps, out)))
		rc = EXIT_ERROR;
	if (rc == 0)
		rc = link_program(o, t, tmpdir, &objs, out);
	if (rc == EXIT_FAILED)
		errorf(o->cmd, "compilation failed");
	if (rc == 0 && deptmp)
		rc = replace_depfile(o, deptmp);
	if (deptmp && rc != 0 && unlink(deptmp) < 0)
		errorf(o->cmd, "cannot remove %s: %s", deptmp, strerror(errno));
	free(deptmp);
	sv_free(&objs);
	sv_free(&deps);
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
	switch (options_parse(o, argc, argv)) {
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
	if ((rc = check_output(&o, "output", out)) != 0 ||
	    (o.depfile && (rc = check_depfile(&o, out)) != 0) ||
	    (rc = target_init(&o, &t)) != 0)
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

/* ---- help and version ---- */

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
	help_print(stdout, argc == 2 ? argv[1] : NULL);
	return 0;
}

/* cmd_version is "weft version"; argv[0] is "version". */
static int cmd_version(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		help_print(stdout, "version");
		return 0;
	}
	if (argc > 1) {
		errorf("version", "too many arguments (usage: weft version)");
		return EXIT_ERROR;
	}
	printf("weft version %s (commit %s)\n", WEFT_VERSION, WEFT_COMMIT);
	return 0;
}

/* ---- main ---- */

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
		help_print(stderr, NULL);
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
		help_print(stdout, NULL);
		return finish(0);
	}
	errorf(NULL, "unknown command %s (see 'weft help')", cmd);
	return EXIT_ERROR;
}
