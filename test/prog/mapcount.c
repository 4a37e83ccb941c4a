/*
 * mapcount.c: keeps creating goroutines that block forever while the
 * stack guards are mprotect's (the test sets WEFTDEBUG=stackguard=
 * mprotect), until the kernel's limit on memory mappings,
 * vm.max_map_count, runs out. The runtime must stop with a fatal error
 * that names the limit and how to raise it, exit status 2.
 *
 * At the default limit that takes some 32k goroutines; to stay quick
 * wherever it runs (some systems allow a million mappings), the program
 * first uses up all but about HEADROOM of the mappings itself, splitting
 * one mapping into many with mprotect. It is hosted (--libc) for mmap and
 * stdio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <weft.h>

enum { HEADROOM = 2000 };

/* readlong reads the first number in path, or returns -1. */
static long readlong(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* mappings counts the process's memory mappings. */
static long mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;
	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void block(void *arg)
{
	int v;
	weft_chan_recv((weft_chan *)arg, &v);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long max = readlong("/proc/sys/vm/max_map_count"), have = mappings();
	if (max < 0 || have < 0) {
		fprintf(stderr, "mapcount: cannot read the mapping limit or count\n");
		return 1;
	}
	/* Every other page of one mapping made inaccessible: two more
	 * mappings for each page so changed. */
	long pages = max - have > HEADROOM ? (max - have - HEADROOM) / 2 : 0;
	long pagesize = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)(2 * pages + 1) * (size_t)pagesize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED) {
		perror("mapcount: mmap");
		return 1;
	}
	for (long i = 0; i < pages; i++) {
		if (mprotect(p + (2 * i + 1) * pagesize, (size_t)pagesize, PROT_NONE) < 0) {
			perror("mapcount: mprotect");
			return 1;
		}
	}
	printf("%ld of %ld mappings in use\n", mappings(), max);
	fflush(stdout);

	weft_chan *gate = weft_chan_make(sizeof(int), 0);
	for (long i = 1;; i++) {
		weft_go(block, gate);
		if (i == 100) {
			printf("spawned 100 goroutines\n");
			fflush(stdout);
		}
		if (i % 64 == 0)
			weft_yield(); /* let them run and park */
	}
}
