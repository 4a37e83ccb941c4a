/*
 * cmd/weft/target.c: the architecture a build is for (WEFTARCH), its
 * compiler, and where its runtime is: relative to the weft executable
 * (main.c lists what <root> holds).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "driver.h"

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

void target_free(struct target *t)
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

int target_init(const struct options *o, struct target *t)
{
	const char *arch = getenv("WEFTARCH");
	char *root;
	struct utsname u;
	int rc;

	*t = (struct target){0};
	if (!arch || !*arch || strcmp(arch, "amd64") == 0) {
		t->arch = "amd64";
		t->flags = WEFT_AMD64_FLAGS;
		target_cc(t, "CC", "gcc");
	} else if (strcmp(arch, "arm64") == 0) {
		t->arch = "arm64";
		t->flags = WEFT_ARM64_FLAGS;
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
