/*
 * time.c: timers, weft_sleep.
 *
 * All timers live in one binary min-heap ordered by when, under one lock
 * (Go keeps a heap per P; one heap is simpler and timers are rare next to
 * channel operations). timer0when caches the earliest when so that the
 * scheduler's check on every round costs one atomic load. Due timers run
 * from checktimers, called by schedule and by the M that sleeps until the
 * next timer (proc.c); their functions run with no runtime lock held but
 * under runlock, so that deltimer can wait for a running one to finish.
 */
#include "runtime.h"

static struct {
	Mutex lock;    /* protects the heap */
	Mutex runlock; /* held while timer functions run */
	Timer **heap;
	int32_t len, cap;
} timers;

int64_t timer0when = -1; /* heap[0]->when, or -1; atomic */

static bool less(int32_t i, int32_t j)
{
	return timers.heap[i]->when < timers.heap[j]->when;
}

static void swap(int32_t i, int32_t j)
{
	Timer *t = timers.heap[i];
	timers.heap[i] = timers.heap[j];
	timers.heap[j] = t;
	timers.heap[i]->idx = i;
	timers.heap[j]->idx = j;
}

static void siftup(int32_t i)
{
	while (i > 0) {
		int32_t parent = (i - 1) / 2;
		if (!less(i, parent))
			break;
		swap(i, parent);
		i = parent;
	}
}

static void siftdown(int32_t i)
{
	for (;;) {
		int32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < timers.len && less(l, m))
			m = l;
		if (r < timers.len && less(r, m))
			m = r;
		if (m == i)
			return;
		swap(i, m);
		i = m;
	}
}

static void update0(void)
{
	atomic_store(&timer0when, timers.len ? timers.heap[0]->when : -1);
}

static void removeat(int32_t i) /* timers.lock held */
{
	Timer *t = timers.heap[i];
	int32_t last = --timers.len;
	if (i != last) {
		timers.heap[i] = timers.heap[last];
		timers.heap[i]->idx = i;
		siftdown(i);
		siftup(i);
	}
	t->idx = -1;
	update0();
}

/* addtimer schedules t to run t->f(t->arg, now) at t->when. t must not be
 * pending already. */
void addtimer(Timer *t)
{
	lock(&timers.lock);
	if (timers.len == timers.cap) {
		int32_t ncap = timers.cap ? 2 * timers.cap : 64;
		Timer **nh = rtalloc(sizeof(Timer *) * (size_t)ncap);
		if (timers.len)
			memmove(nh, timers.heap, sizeof(Timer *) * (size_t)timers.len);
		rtfree(timers.heap);
		timers.heap = nh;
		timers.cap = ncap;
	}
	t->idx = timers.len++;
	timers.heap[t->idx] = t;
	siftup(t->idx);
	bool first = timers.heap[0] == t;
	update0();
	unlock(&timers.lock);
	if (first)
		sched_timerchanged(t->when);
}

/* deltimer stops t. It returns true if t was pending (its function will
 * not run); false if it already ran. Either way, when deltimer returns t's
 * function is not running, so t may be freed. */
bool deltimer(Timer *t)
{
	lock(&timers.lock);
	bool pending = t->idx >= 0;
	if (pending)
		removeat(t->idx);
	unlock(&timers.lock);
	if (!pending) {
		/* It may be running right now: wait for it. */
		lock(&timers.runlock);
		unlock(&timers.runlock);
	}
	return pending;
}

/* timers_stop keeps any timer function from running until timers_start
 * (the tracer reads goroutines' states meanwhile). */
void timers_stop(void)
{
	lock(&timers.runlock);
}

void timers_start(void)
{
	unlock(&timers.runlock);
}

/* checktimers runs every timer due at now and returns the next when, or -1. */
int64_t checktimers(int64_t now)
{
	lock(&timers.runlock);
	for (;;) {
		lock(&timers.lock);
		if (timers.len == 0 || timers.heap[0]->when > now) {
			int64_t next = timers.len ? timers.heap[0]->when : -1;
			unlock(&timers.lock);
			unlock(&timers.runlock);
			return next;
		}
		Timer *t = timers.heap[0];
		removeat(0);
		unlock(&timers.lock);
		t->f(t->arg, now);
	}
}

/* timer_count returns how many timers are pending. */
int32_t timer_count(void)
{
	return atomic_load(&timers.len);
}

static void sleepready(void *arg, int64_t now)
{
	(void)now;
	goready(arg);
}

/* The timer starts only once the G is parked, so it cannot fire early. */
static bool sleepcommit(G *gp, void *arg)
{
	(void)arg;
	addtimer(gp->timer);
	return true;
}

void weft_sleep(int64_t ns)
{
	G *gp = mustbeg("weft_sleep");
	if (ns <= 0) {
		weft_yield();
		return;
	}
	if (!gp->timer) {
		gp->timer = rtalloc(sizeof(Timer));
		gp->timer->idx = -1;
	}
	Timer *t = gp->timer;
	t->when = nanotime() + ns;
	if (t->when < 0) /* overflow: sleep "forever" */
		t->when = INT64_MAX;
	t->f = sleepready;
	t->arg = gp;
	gopark(sleepcommit, NULL, WaitReasonSleep);
}
