/*
 * libc_strings.c: a hosted program (built with --libc) whose goroutines,
 * many at once and on every P, call the C library's string functions,
 * snprintf, malloc and free, and check every result. They yield between
 * calls, so a goroutine's calls run on several threads (a block malloc'd
 * on one is freed on another, which libc allows).
 *
 * It prints "libc_strings: G goroutines x R rounds, E errors" and, on its
 * own line, "threads: N", how many threads the goroutines ran on. The
 * exit status is 0 only with no errors. Errors are described on standard
 * error.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

enum { GOROUTINES = 64, ROUNDS = 150, MAXTHREADS = 64 };

static weft_mutex tidmu;
static pid_t tids[MAXTHREADS];
static int ntids;

/* seen records the calling thread's id among those goroutines ran on. */
static void seen(void)
{
	pid_t t = gettid();
	weft_mutex_lock(&tidmu);
	int i = 0;
	while (i < ntids && tids[i] != t)
		i++;
	if (i == ntids && ntids < MAXTHREADS)
		tids[ntids++] = t;
	weft_mutex_unlock(&tidmu);
}

struct worker {
	int id;
	int errors;
	weft_waitgroup *wg;
};

#define CHECK(w, round, cond)                                                              \
	do {                                                                               \
		if (!(cond) && (w)->errors++ < 3)                                          \
			fprintf(stderr, "goroutine %d, round %d: failed: %s\n", (w)->id, (round), \
				#cond);                                                    \
	} while (0)

/* size returns the round's block size: mostly small and varied, every
 * 16th round past glibc's mmap threshold (128 KiB). */
static size_t size(int id, int round)
{
	if (round % 16 == 15)
		return 192 * 1024 + (size_t)id;
	return 8 + (size_t)((id * 131 + round * 17) % 3000);
}

static void work(void *arg)
{
	struct worker *w = arg;

	for (int round = 0; round < ROUNDS; round++) {
		size_t n = size(w->id, round);
		char fill = (char)('a' + (w->id + round) % 26);

		seen();
		char *a = malloc(n + 1);
		char *b = malloc(n + 1);
		CHECK(w, round, a != NULL && b != NULL);
		if (a == NULL || b == NULL)
			break;
		memset(a, fill, n);
		a[n] = '\0';
		CHECK(w, round, strlen(a) == n);
		weft_yield();

		memcpy(b, a, n + 1);
		CHECK(w, round, memcmp(a, b, n + 1) == 0);
		CHECK(w, round, strcmp(a, b) == 0);
		b[n / 2] = 'A';
		CHECK(w, round, strcmp(a, b) > 0);
		CHECK(w, round, strchr(b, 'A') == b + n / 2);
		/* Overlapping, both ways: b[1..n) <- b[0..n-1), then back. */
		memmove(b + 1, b, n - 1);
		CHECK(w, round, b[n / 2 + 1] == 'A');
		memmove(b, b + 1, n - 1);
		CHECK(w, round, b[n / 2] == 'A' && strlen(b) == n);
		weft_yield();
		seen();

		char line[64];
		int len = snprintf(line, sizeof line, "goroutine %d round %d size %zu", w->id, round, n);
		int id = -1, r = -1;
		size_t m = 0;
		CHECK(w, round, len > 0 && (size_t)len == strlen(line));
		CHECK(w, round, sscanf(line, "goroutine %d round %d size %zu", &id, &r, &m) == 3);
		CHECK(w, round, id == w->id && r == round && m == n);
		char *d = strdup(line);
		CHECK(w, round, d != NULL && strcmp(d, line) == 0);
		CHECK(w, round, d != NULL && strstr(d, "size ") != NULL &&
				     strtoul(strstr(d, "size ") + 5, NULL, 10) == n);
		free(d);

		char *z = calloc(n, 1);
		CHECK(w, round, z != NULL && memchr(z, fill, n) == NULL);
		free(z);
		b = realloc(b, 2 * n + 1);
		CHECK(w, round, b != NULL && b[n / 2] == 'A' && b[n] == '\0');
		weft_yield();
		free(a); /* most likely on another thread than the malloc */
		free(b);
	}
	weft_waitgroup_done(w->wg);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static struct worker workers[GOROUTINES];
	weft_waitgroup wg = {0};

	weft_waitgroup_add(&wg, GOROUTINES);
	for (int i = 0; i < GOROUTINES; i++) {
		workers[i] = (struct worker){.id = i, .wg = &wg};
		weft_go(work, &workers[i]);
	}
	weft_waitgroup_wait(&wg);

	int errors = 0;
	for (int i = 0; i < GOROUTINES; i++)
		errors += workers[i].errors;
	printf("libc_strings: %d goroutines x %d rounds, %d errors\n", GOROUTINES, ROUNDS, errors);
	printf("threads: %d\n", ntids);
	return errors == 0 ? 0 : 1;
}
