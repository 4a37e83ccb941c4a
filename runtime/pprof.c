/*
 * pprof.c: writing CPU samples as a pprof profile (profile.proto), the
 * format `go tool pprof` reads. Go's writer is runtime/pprof's proto.go
 * and protobuf.go; this is weft's, for the samples the CPU profiler
 * collects (issue 14), and it knows nothing of how they were taken.
 *
 * The profile is a protobuf message (profile.proto in github.com/google/
 * pprof) with no nesting deeper than two: repeated records at the top
 * (sample types, samples, locations, functions, one mapping, the string
 * table) and a few scalars (times, period). A protobuf parser concatenates
 * a repeated field's records wherever they lie in the message, and pprof
 * resolves ids only after it has read everything, so the writer streams:
 * for each sample it emits the locations and functions seen for the first
 * time, then the sample, and the string table last, once every string has
 * its index. Nothing but the lookup tables is kept, and the output goes
 * through one small buffer. The profile is not gzipped: pprof reads the
 * bare message too.
 *
 * A location is one PC: the logical frames the symbol table gives for it
 * (the inlined calls around it, innermost first, then the physical
 * function) are its lines, as Go writes them, so pprof shows an inlined
 * function as its own entry. A function is a (name, file) pair. A PC the
 * table does not know is a location with an address and no lines: pprof
 * shows the address.
 *
 * pprofWrite may run at exit, after a panic or a fatal error, on any
 * thread: it takes no runtime lock and allocates with sys_mmap, not
 * rtalloc (whose lock the failing thread may hold), and writes with
 * sys_write, not weft_write (whose entersyscall touches the scheduler's
 * state). Running out of memory or a failed write ends it with -errno;
 * nothing it is given can make it fault except pointers that lie.
 */
#include "runtime.h"

enum {
	EBADF = 9, EIO = 5,
	/* profile.proto's field numbers (Go's proto.go names them the same). */
	ProfileSampleType = 1, ProfileSample = 2, ProfileMapping = 3, ProfileLocation = 4,
	ProfileFunction = 5, ProfileStringTable = 6, ProfileTimeNanos = 9,
	ProfileDurationNanos = 10, ProfilePeriodType = 11, ProfilePeriod = 12,
	ValueTypeType = 1, ValueTypeUnit = 2,
	SampleLocation = 1, SampleValue = 2,
	MappingID = 1, MappingStart = 2, MappingLimit = 3, MappingOffset = 4, MappingFilename = 5,
	MappingHasFunctions = 7, MappingHasFilenames = 8, MappingHasLineNumbers = 9,
	MappingHasInlineFrames = 10,
	LocationID = 1, LocationMappingID = 2, LocationAddress = 3, LocationLine = 4,
	LineFunctionID = 1, LineLine = 2,
	FunctionID = 1, FunctionName = 2, FunctionSystemName = 3, FunctionFilename = 4,
	FunctionStartLine = 5,
	/* Wire types. */
	WireVarint = 0, WireBytes = 2,
	OUTBUF = 4096,
	PAGE = 4096,
};

/* A Buf is a growable byte array: one record being encoded. Its memory
 * comes from sys_mmap (see above); grow failing sets *err. */
typedef struct Buf {
	uint8_t *p;
	size_t len, cap;
} Buf;

/* A hash table slot of the location and function tables: a key of two
 * words and the record's id (0: the slot is empty). */
typedef struct Slot {
	uint64_t k1, k2;
	uint64_t id;
} Slot;
typedef struct Table {
	Slot *slot;
	size_t mask; /* slots - 1; a power of two less one, or 0 with no slots */
	uint64_t n;  /* ids handed out: the last id */
} Table;

/* The string table: strings by index, and an open-addressing index of
 * them by content (slots hold index + 1, 0 empty). The strings are not
 * copied: every one lives as long as the program (the symbol table's,
 * argv's, literals). */
typedef struct Strings {
	const char **str;
	size_t n, cap;
	uint32_t *slot;
	size_t mask;
} Strings;

typedef struct Writer {
	int fd;
	long err; /* the first error (-errno), after which nothing is written */
	size_t pos;
	uint8_t out[OUTBUF];
	Buf rec, sub, ids; /* a top-level record, one inside it, a sample's location ids */
	Table locs;  /* by address (k1), with k2 0 */
	Table funcs; /* by (name, file) string indices */
	Strings strs;
	uintptr_t textlo, texthi; /* the mapping's extent, 0, 0 without one */
} Writer;

/* ---- memory: whole pages from the kernel ---- */

/* pagealloc and pagefree: whole pages from the kernel, with no lock
 * (runtime.h; the CPU profiler's table uses them too). */
void *pagealloc(size_t n)
{
	return sys_mmap(NULL, ROUNDUP(n, PAGE), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
}

void pagefree(void *p, size_t n)
{
	if (p)
		sys_munmap(p, ROUNDUP(n, PAGE));
}

/* ---- output: the buffer and the file ---- */

/* flush writes the buffered bytes, resuming after a partial write; the
 * first failure is kept in w->err. A write that takes nothing (a file
 * that will not grow) is -EIO: retrying it would spin. */
static void flush(Writer *w)
{
	const uint8_t *p = w->out;
	size_t n = w->pos;
	w->pos = 0;
	while (n > 0 && !w->err) {
		long r = sys_write(w->fd, p, n);
		if (r == -EINTR)
			continue;
		if (r <= 0) {
			w->err = r < 0 ? r : -EIO;
			break;
		}
		p += r;
		n -= (size_t)r;
	}
}

static void emit(Writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0 && !w->err) {
		if (w->pos == OUTBUF)
			flush(w);
		size_t k = OUTBUF - w->pos < n ? OUTBUF - w->pos : n;
		memcpy(w->out + w->pos, b, k);
		w->pos += k;
		b += k;
		n -= k;
	}
}

/* ---- protobuf encoding ---- */

/* putvarint writes v as a varint at p (room for 10 bytes) and returns its
 * length. An int64 is written as its two's complement, as protobuf's
 * int64 is. */
static int putvarint(uint8_t *p, uint64_t v)
{
	int n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static bool bufgrow(Writer *w, Buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return true;
	if (w->err)
		return false;
	size_t cap = b->cap ? b->cap : PAGE;
	while (cap < b->len + more)
		cap *= 2;
	uint8_t *p = pagealloc(cap);
	if (!p) {
		w->err = -ENOMEM;
		return false;
	}
	if (b->len)
		memcpy(p, b->p, b->len);
	pagefree(b->p, b->cap);
	b->p = p;
	b->cap = ROUNDUP(cap, PAGE);
	return true;
}

static void bufvarint(Writer *w, Buf *b, uint64_t v)
{
	if (bufgrow(w, b, 10))
		b->len += (size_t)putvarint(b->p + b->len, v);
}

static void bufbytes(Writer *w, Buf *b, const void *p, size_t n)
{
	if (n && bufgrow(w, b, n)) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
	}
}

/* fieldvarint adds a varint field (int64, uint64, bool) to b; zero is
 * left out, as protobuf's default (Go's uint64Opt and kin). */
static void fieldvarint(Writer *w, Buf *b, int field, uint64_t v)
{
	if (v == 0)
		return;
	bufvarint(w, b, (uint64_t)field << 3 | WireVarint);
	bufvarint(w, b, v);
}

/* fieldbytes adds a length-delimited field (a string, a packed array, a
 * record) holding the n bytes at p to b. */
static void fieldbytes(Writer *w, Buf *b, int field, const void *p, size_t n)
{
	bufvarint(w, b, (uint64_t)field << 3 | WireBytes);
	bufvarint(w, b, n);
	bufbytes(w, b, p, n);
}

/* record writes b, a finished record, as field of the profile, and
 * empties b for the next. */
static void record(Writer *w, int field, Buf *b)
{
	uint8_t hdr[20];
	int n = putvarint(hdr, (uint64_t)field << 3 | WireBytes);
	n += putvarint(hdr + n, b->len);
	emit(w, hdr, (size_t)n);
	emit(w, b->p, b->len);
	b->len = 0;
}

/* topvarint writes a varint field of the profile itself. */
static void topvarint(Writer *w, int field, uint64_t v)
{
	uint8_t p[20];
	if (v == 0)
		return;
	int n = putvarint(p, (uint64_t)field << 3 | WireVarint);
	n += putvarint(p + n, v);
	emit(w, p, (size_t)n);
}

/* ---- tables ---- */

/* mix: splitmix64's finalizer, to spread keys over a table. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
	return x ^ (x >> 31);
}

/* tablegrow doubles t (or makes its first 256 slots) once it is half
 * full, keeping probes short; false when out of memory. */
static bool tablegrow(Writer *w, Table *t)
{
	size_t slots = t->slot ? t->mask + 1 : 0;
	if (t->n + 1 <= slots / 2)
		return true;
	size_t nslots = slots ? slots * 2 : 256;
	Slot *ns = pagealloc(nslots * sizeof(Slot));
	if (!ns) {
		w->err = -ENOMEM;
		return false;
	}
	for (size_t i = 0; i < slots; i++) {
		Slot *s = &t->slot[i];
		if (!s->id)
			continue;
		size_t j = mix(s->k1 ^ mix(s->k2)) & (nslots - 1);
		while (ns[j].id)
			j = (j + 1) & (nslots - 1);
		ns[j] = *s;
	}
	pagefree(t->slot, slots * sizeof(Slot));
	t->slot = ns;
	t->mask = nslots - 1;
	return true;
}

/* tablefind returns the id of (k1, k2) in t; when absent it adds it with
 * the next id and sets *added. 0 when out of memory. */
static uint64_t tablefind(Writer *w, Table *t, uint64_t k1, uint64_t k2, bool *added)
{
	*added = false;
	if (!tablegrow(w, t))
		return 0;
	size_t i = mix(k1 ^ mix(k2)) & t->mask;
	for (; t->slot[i].id; i = (i + 1) & t->mask)
		if (t->slot[i].k1 == k1 && t->slot[i].k2 == k2)
			return t->slot[i].id;
	*added = true;
	t->slot[i] = (Slot){k1, k2, ++t->n};
	return t->n;
}

static uint64_t strhash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return mix(h);
}

/* stringindex returns s's index in the string table, adding it if new
 * (Go's stringIndex). On running out of memory it returns 0, the empty
 * string, and w->err says so. */
static int64_t stringindex(Writer *w, const char *s)
{
	Strings *t = &w->strs;
	if (!s || !*s)
		return 0;
	if (t->n + 1 > (t->slot ? (t->mask + 1) / 2 : 0)) {
		/* Grow both arrays together: the index is rebuilt from str. */
		size_t cap = t->cap ? t->cap * 2 : 256;
		const char **str = pagealloc(cap * sizeof *str);
		uint32_t *slot = pagealloc(cap * 2 * sizeof *slot);
		if (!str || !slot || cap * 2 > UINT32_MAX) {
			pagefree(str, cap * sizeof *str);
			pagefree(slot, cap * 2 * sizeof *slot);
			w->err = -ENOMEM;
			return 0;
		}
		if (t->n)
			memcpy(str, t->str, t->n * sizeof *str);
		size_t mask = cap * 2 - 1;
		for (size_t i = 1; i < t->n; i++) {
			size_t j = strhash(str[i]) & mask;
			while (slot[j])
				j = (j + 1) & mask;
			slot[j] = (uint32_t)i + 1;
		}
		pagefree(t->str, t->cap * sizeof *t->str);
		pagefree(t->slot, t->cap * 2 * sizeof *t->slot);
		t->str = str;
		t->slot = slot;
		t->cap = cap;
		t->mask = mask;
		if (t->n == 0)
			t->str[t->n++] = ""; /* index 0 is always "" */
	}
	size_t j = strhash(s) & t->mask;
	for (; t->slot[j]; j = (j + 1) & t->mask)
		if (rt_strcmp(t->str[t->slot[j] - 1], s) == 0)
			return t->slot[j] - 1;
	t->slot[j] = (uint32_t)t->n + 1;
	t->str[t->n] = s;
	return (int64_t)t->n++;
}

/* ---- the profile's records ---- */

/* valuetype writes a ValueType {type, unit} as field of the profile. */
static void valuetype(Writer *w, int field, const char *type, const char *unit)
{
	fieldvarint(w, &w->rec, ValueTypeType, (uint64_t)stringindex(w, type));
	fieldvarint(w, &w->rec, ValueTypeUnit, (uint64_t)stringindex(w, unit));
	record(w, field, &w->rec);
}

/* functionid returns the id of the function name in file, writing its
 * Function record the first time (Go's pbFunction; system_name is the
 * name: C has no mangling to undo). */
static uint64_t functionid(Writer *w, const char *name, const char *file, int32_t startline)
{
	bool added;
	int64_t ni = stringindex(w, name), fi = stringindex(w, file);
	uint64_t id = tablefind(w, &w->funcs, (uint64_t)ni, (uint64_t)fi, &added);
	if (added) {
		Buf *b = &w->sub;
		fieldvarint(w, b, FunctionID, id);
		fieldvarint(w, b, FunctionName, (uint64_t)ni);
		fieldvarint(w, b, FunctionSystemName, (uint64_t)ni);
		fieldvarint(w, b, FunctionFilename, (uint64_t)fi);
		fieldvarint(w, b, FunctionStartLine, startline > 0 ? (uint64_t)startline : 0);
		record(w, ProfileFunction, b);
	}
	return id;
}

/* locationid returns the id of the location of addr, the PC of an
 * instruction (a return address less one), writing its Location record
 * the first time: one line per logical frame, innermost first. Its
 * functions' records come before it. */
static uint64_t locationid(Writer *w, uintptr_t addr)
{
	bool added;
	uint64_t id = tablefind(w, &w->locs, addr, 0, &added);
	if (!added)
		return id;
	Buf *b = &w->rec; /* free: a sample's record is built after its locations */
	fieldvarint(w, b, LocationID, id);
	if (addr >= w->textlo && addr < w->texthi)
		fieldvarint(w, b, LocationMappingID, 1);
	fieldvarint(w, b, LocationAddress, addr);
	const SymtabFunc *f = findfunc(addr);
	if (f) {
		InlineUnwinder u;
		for (InlineFrame uf = newInlineUnwinder(&u, f, addr); inlframe_valid(uf); uf = inl_next(&u, uf)) {
			SrcFunc sf = inl_srcfunc(&u, uf);
			int32_t line;
			const char *file = inl_fileline(&u, uf, &line);
			uint64_t fid = functionid(w, sf.name, file, sf.startline);
			/* A Line is two varints: it fits in a few bytes here. */
			uint8_t l[2 * 11];
			int n = putvarint(l, LineFunctionID << 3 | WireVarint);
			n += putvarint(l + n, fid);
			if (line > 0) {
				n += putvarint(l + n, LineLine << 3 | WireVarint);
				n += putvarint(l + n, (uint64_t)line);
			}
			fieldbytes(w, b, LocationLine, l, (size_t)n);
		}
	}
	record(w, ProfileLocation, b);
	return id;
}

/* sample writes one Sample record, after the records of its new
 * locations. */
static void sample(Writer *w, const PprofSample *s, int64_t period_ns)
{
	Buf *ids = &w->ids;
	bool exact = s->exact0;
	ids->len = 0;
	for (int i = 0; i < s->n && !w->err; i++) {
		/* As walkframes (traceback.c) reads a stack: a return address
		 * stands for its call, the instruction before it; the frame
		 * asyncPreempt interrupted is at its exact PC, as the first is
		 * when exact0 (a PC the signal interrupted). */
		uintptr_t pc = s->pcs[i];
		uintptr_t addr = exact ? pc : pc - 1;
		const SymtabFunc *f = findfunc(addr);
		exact = f && f->funcid == FUNCID_ASYNCPREEMPT;
		bufvarint(w, ids, locationid(w, addr));
	}
	Buf *b = &w->rec;
	fieldbytes(w, b, SampleLocation, ids->p, ids->len);
	uint8_t v[2 * 10];
	int n = putvarint(v, (uint64_t)s->count);
	n += putvarint(v + n, (uint64_t)(s->count * period_ns));
	fieldbytes(w, b, SampleValue, v, (size_t)n);
	record(w, ProfileSample, b);
}

/* pprofmapping writes the one Mapping, the program's text as the symbol
 * table covers it, where every location with a function lies. Its
 * extent is the table's text, moved by the load bias as symtab.c moves
 * it. The file is argv[0]: a freestanding program has no /proc/self/exe
 * to read without a system call that may fail, and pprof only shows the
 * name (every location is symbolized already, which the has_* flags tell
 * it). Without a table there is no mapping. */
static void pprofmapping(Writer *w)
{
	if (!symtab_textrange(&w->textlo, &w->texthi))
		return;
	const char *file = rt_argc > 0 && rt_argv && rt_argv[0] && rt_argv[0][0] ? rt_argv[0] : "weft-program";
	Buf *b = &w->rec;
	fieldvarint(w, b, MappingID, 1);
	fieldvarint(w, b, MappingStart, w->textlo);
	fieldvarint(w, b, MappingLimit, w->texthi);
	fieldvarint(w, b, MappingOffset, 0);
	fieldvarint(w, b, MappingFilename, (uint64_t)stringindex(w, file));
	fieldvarint(w, b, MappingHasFunctions, 1);
	fieldvarint(w, b, MappingHasFilenames, 1);
	fieldvarint(w, b, MappingHasLineNumbers, 1);
	fieldvarint(w, b, MappingHasInlineFrames, 1);
	record(w, ProfileMapping, b);
}

/*
 * pprofWrite writes a profile of the ns samples at s, each count times
 * period_ns nanoseconds of CPU time, taken from start_ns (wall clock, Unix
 * nanoseconds) for duration_ns, to fd. Returns 0, -EINVAL for samples
 * that make no sense (nothing is written then), or the -errno of a write
 * or of running out of memory (the file then holds part of a profile).
 * Any thread, any time: see the file's comment.
 */
int pprofWrite(int fd, const PprofSample *s, int ns, int64_t period_ns, int64_t start_ns, int64_t duration_ns)
{
	if (ns < 0 || (ns > 0 && !s) || period_ns < 0 || duration_ns < 0)
		return -EINVAL;
	for (int i = 0; i < ns; i++)
		if (s[i].n < 0 || (s[i].n > 0 && !s[i].pcs) || s[i].count < 0)
			return -EINVAL;
	if (fd < 0)
		return -EBADF;
	Writer *w = pagealloc(sizeof *w);
	if (!w)
		return -ENOMEM;
	w->fd = fd;

	/* Go's order: sample types, samples with their locations and
	 * functions, the mapping, the scalars, the strings. */
	valuetype(w, ProfileSampleType, "samples", "count");
	valuetype(w, ProfileSampleType, "cpu", "nanoseconds");
	pprofmapping(w);
	for (int i = 0; i < ns && !w->err; i++)
		sample(w, &s[i], period_ns);
	topvarint(w, ProfileTimeNanos, (uint64_t)start_ns);
	topvarint(w, ProfileDurationNanos, (uint64_t)duration_ns);
	valuetype(w, ProfilePeriodType, "cpu", "nanoseconds");
	topvarint(w, ProfilePeriod, (uint64_t)period_ns);
	/* The table starts with "": its first string (made with the table,
	 * or written here when running out of memory left none). */
	for (size_t i = 0; i < (w->strs.n ? w->strs.n : 1) && !w->err; i++) {
		const char *str = i < w->strs.n ? w->strs.str[i] : "";
		fieldbytes(w, &w->rec, ProfileStringTable, str, rt_strlen(str));
		/* fieldbytes framed it as a record of its own: emit it bare. */
		emit(w, w->rec.p, w->rec.len);
		w->rec.len = 0;
	}
	flush(w);

	long err = w->err;
	pagefree(w->rec.p, w->rec.cap);
	pagefree(w->sub.p, w->sub.cap);
	pagefree(w->ids.p, w->ids.cap);
	pagefree(w->locs.slot, w->locs.slot ? (w->locs.mask + 1) * sizeof(Slot) : 0);
	pagefree(w->funcs.slot, w->funcs.slot ? (w->funcs.mask + 1) * sizeof(Slot) : 0);
	pagefree(w->strs.str, w->strs.cap * sizeof *w->strs.str);
	pagefree(w->strs.slot, w->strs.cap * 2 * sizeof *w->strs.slot);
	pagefree(w, sizeof *w);
	return (int)err;
}
