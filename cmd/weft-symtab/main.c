/*
 * cmd/weft-symtab/main.c: the weft-symtab command.
 *
 *	weft-symtab [-o OUT] [--user SRC]... EXE
 *	                             write EXE's symbol table to OUT
 *	                             (default EXE.symtab)
 *	weft-symtab --same A B       check that no function of A moved in B
 *	weft-symtab --dump TABLE     check a table and print it as text
 *
 * weft build runs it between its two links: the first link's executable
 * gives the table, which the second link embeds as weft_symtab; --same
 * then checks that embedding it moved no code (abi/symtab.h). It names
 * each C file it compiled with --user, so that the table can tell the
 * program's own code (SYMTAB_FLAG_USER, where async preemption may stop
 * a goroutine) from the runtime's, libc's and any prebuilt object's.
 *
 * The table is written to OUT.tmp and renamed onto OUT, so OUT is either
 * absent, the old table, or the whole new one.
 *
 * Exit status: 0 on success; 1 when --same finds moved functions (listed
 * on standard output, like cmp); 2 for every error, with one line on
 * standard error: "weft-symtab: FILE: SECTION: offset 0xNNN: what".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symtabgen.h"

enum { EXIT_MOVED = 1, EXIT_ERROR = 2 };

static const char usage_text[] =
	"usage: weft-symtab [-o OUT] [--user SRC]... EXE\n"
	"       weft-symtab --same A B\n"
	"       weft-symtab --dump TABLE\n"
	"\n"
	"Reads the DWARF and .eh_frame of the ELF executable EXE (x86-64 or\n"
	"AArch64) and writes weft's symbol table (abi/symtab.h) to OUT, by\n"
	"default EXE.symtab.\n"
	"\n"
	"  -o OUT        where to write the table\n"
	"  --user SRC    SRC is one of the program's own C files: the functions\n"
	"                of the C compile unit made from it are flagged user\n"
	"                (SYMTAB_FLAG_USER: code that async preemption may\n"
	"                interrupt). Repeatable; weft build passes each file it\n"
	"                compiled. SRC must exist; one that no unit came from\n"
	"                flags nothing\n"
	"  --same A B    exit 0 if every function symbol of A has the same\n"
	"                address in B, else list the moved ones and exit 1\n"
	"  --dump TABLE  check TABLE and print it as text, each function's\n"
	"                flags by name (asm, user); TABLE may also be a program\n"
	"                that weft build gave its table\n"
	"  -h, --help    this text\n"
	"\n"
	"Errors name the file, the section and the offset; exit status 2.\n";

/* usage_error reports a command-line mistake and exits with status 2. */
static _Noreturn void usage_error(const char *msg)
{
	fprintf(stderr, "weft-symtab: %s\n%s", msg, usage_text);
	exit(EXIT_ERROR);
}

/* die prints one error line (fmt with two strings) and exits with 2. */
static _Noreturn void die(const char *fmt, const char *a, const char *b)
{
	fputs("weft-symtab: ", stderr);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(EXIT_ERROR);
}

/* read_file returns the contents of path (malloc'd) and its size in *len,
 * or exits with an error. */
static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s: %s", path, "not a regular file");
	size_t cap = (size_t)st.st_size + 1, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		die("%s: %s", path, "out of memory");
	for (;;) {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				die("%s: %s", path, "out of memory");
			buf = nb;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			die("%s: %s", path, strerror(errno));
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	*len = n;
	return buf;
}

/* write_file writes data to path through path.tmp and a rename. */
static void write_file(const char *path, const uint8_t *data, size_t len)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 5);
	if (!tmp)
		die("%s: %s", path, "out of memory");
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp", 5);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("%s: %s", tmp, strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t k = write(fd, data + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = errno;
			unlink(tmp);
			die("%s: %s", tmp, strerror(e));
		}
		off += (size_t)k;
	}
	if (close(fd) < 0) {
		int e = errno;
		unlink(tmp);
		die("%s: %s", tmp, strerror(e));
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		die("%s: %s", path, strerror(e));
	}
	free(tmp);
}

/* user_source returns the canonical path of --user's src (malloc'd), or
 * exits with an error naming it if it is not an existing regular file. */
static char *user_source(const char *src)
{
	struct stat st;
	if (stat(src, &st) < 0)
		die("--user %s: %s", src, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("--user %s: %s", src, "not a regular file");
	char *real = realpath(src, NULL);
	if (!real)
		die("--user %s: %s", src, strerror(errno));
	return real;
}

/* cmd_generate writes exe's table to out (NULL: EXE.symtab), the
 * functions from the sources opts->user flagged user; returns the exit
 * status. */
static int cmd_generate(const char *exe, const char *out, const GenOpts *opts)
{
	size_t len;
	uint8_t *buf = read_file(exe, &len);
	Ctx c;
	Blob b;
	if (symtab_generate_opts(&c, exe, buf, len, opts, &b) < 0) {
		fprintf(stderr, "weft-symtab: %s\n", c.msg);
		free(buf);
		return EXIT_ERROR;
	}
	char *def = NULL;
	if (!out) {
		size_t n = strlen(exe);
		def = malloc(n + 8);
		if (!def)
			die("%s: %s", exe, "out of memory");
		memcpy(def, exe, n);
		memcpy(def + n, ".symtab", 8);
		out = def;
	}
	write_file(out, b.data, b.size);
	free(def);
	free(b.data);
	free(buf);
	return 0;
}

/* cmd_dump checks and prints the table in path; returns the exit status. */
static int cmd_dump(const char *path)
{
	size_t len;
	uint8_t *buf = read_file(path, &len);
	Ctx c;
	int rc = symtab_dump(&c, path, buf, len, stdout);
	fflush(stdout);
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "weft-symtab: %s\n", c.msg);
		return EXIT_ERROR;
	}
	if (ferror(stdout))
		die("%s: %s", "standard output", "write error");
	return 0;
}

/* cmd_same runs --same; returns the exit status. */
static int cmd_same(const char *a, const char *b)
{
	size_t alen, blen;
	uint8_t *abuf = read_file(a, &alen), *bbuf = read_file(b, &blen);
	Ctx c;
	int rc = symtab_same(&c, a, abuf, alen, b, bbuf, blen, stdout);
	free(abuf);
	free(bbuf);
	if (rc < 0) {
		fprintf(stderr, "weft-symtab: %s\n", c.msg);
		return EXIT_ERROR;
	}
	return rc ? EXIT_MOVED : 0;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	const char *args[2];
	int nargs = 0;
	char **user = NULL;
	size_t nuser = 0;
	enum { GEN, SAME, DUMP } mode = GEN;
	bool opts = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opts && a[0] == '-' && a[1]) {
			if (strcmp(a, "--") == 0) {
				opts = false;
			} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
				fputs(usage_text, stdout);
				return 0;
			} else if (strcmp(a, "-o") == 0) {
				if (++i == argc)
					usage_error("-o needs a file name");
				out = argv[i];
			} else if (strncmp(a, "-o", 2) == 0) {
				out = a + 2;
			} else if (strcmp(a, "--user") == 0) {
				if (++i == argc)
					usage_error("--user needs a file name");
				char **nu = realloc(user, (nuser + 1) * sizeof *user);
				if (!nu)
					die("%s: %s", argv[i], "out of memory");
				user = nu;
				user[nuser++] = user_source(argv[i]);
			} else if (strcmp(a, "--same") == 0) {
				mode = SAME;
			} else if (strcmp(a, "--dump") == 0) {
				mode = DUMP;
			} else {
				fprintf(stderr, "weft-symtab: unknown option %s\n%s", a, usage_text);
				return EXIT_ERROR;
			}
			continue;
		}
		if (nargs == 2)
			usage_error("too many arguments");
		args[nargs++] = a;
	}
	switch (mode) {
	case SAME:
		if (nargs != 2 || out || nuser)
			usage_error("--same needs two executables");
		return cmd_same(args[0], args[1]);
	case DUMP:
		if (nargs != 1 || out || nuser)
			usage_error("--dump needs one table");
		return cmd_dump(args[0]);
	default:
		if (nargs != 1)
			usage_error("one executable expected");
		GenOpts opts = {(const char *const *)user, nuser};
		int rc = cmd_generate(args[0], out, &opts);
		for (size_t i = 0; i < nuser; i++)
			free(user[i]);
		free(user);
		return rc;
	}
}
