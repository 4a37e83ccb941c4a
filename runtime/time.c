/*
 * time.c: timers, periodic ones (tickers) included, and weft_sleep.
 *
 * All timers live in one binary min-heap ordered by when, under one lock
 * (Go keeps a heap per P; one heap is simpler and timers are rare next to
 * channel operations). timers_minwhen caches the earliest when so that the
 * scheduler's check on every round costs one atomic load. Due timers run
 * from timers_check, called by schedule and by the M that sleeps until the
 * next timer (proc.c); their functions run with no runtime lock held but
 * under runlock, so that timer_stop can wait for a running one to finish.
 * A periodic timer (a ticker's, period > 0) stays in the heap: when it
 * runs, its when moves to the next point of its phase still ahead.
 *
 * Names follow Go's time.go, whose timer code is methods on two types: a
 * method of the timer (Go's t.stop) is timer_<name> here, one of the heap
 * (Go's ts.check, ts.wakeTime, ts.len) is timers_<name>, as weft names
 * other Go methods (inl_next for Go's u.next).
 */
#include "runtime.h"

static struct {
	Mutex lock;    /* protects the heap */
	Mutex runlock; /* held while timer functions run */
	Timer **heap;
	int32_t len, cap;
} timers;

int64_t timers_minwhen = -1; /* heap[0]->when, or -1; atomic */

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

/* updateminwhen (Go's ts.updateMinWhenHeap) publishes the earliest when.
 * timers.lock is held. */
static void updateminwhen(void)
{
	atomic_store(&timers_minwhen, timers.len ? timers.heap[0]->when : -1);
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
	updateminwhen();
}

/* timer_add schedules t to run t->f(t->arg, now) at t->when, and wakes
 * the scheduler if t is now the first due (Go's t.maybeAdd, which adds
 * only a timer that needs it; here t must not be pending already). */
void timer_add(Timer *t)
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
	updateminwhen();
	unlock(&timers.lock);
	if (first)
		sched_timerchanged(t->when);
}

/* timer_stop stops t (Go's t.stop). It returns true if t was pending (its
 * function will not run again); false if it already ran. Either way, when
 * timer_stop returns t's function is not running, so t may be freed. */
bool timer_stop(Timer *t)
{
	lock(&timers.lock);
	bool pending = t->idx >= 0;
	if (pending)
		removeat(t->idx);
	unlock(&timers.lock);
	if (!pending || t->period > 0) {
		/* It may be running right now: a periodic timer is pending
		 * again while its function runs (timers_check). Wait for it. */
		lock(&timers.runlock);
		unlock(&timers.runlock);
	}
	return pending;
}

/* timers_lockrun takes runlock, which every timer function runs under, so
 * none runs until timers_unlockrun (the tracer reads goroutines' states
 * meanwhile). Go has no such call. */
void timers_lockrun(void)
{
	lock(&timers.runlock);
}

void timers_unlockrun(void)
{
	unlock(&timers.runlock);
}

/*
 * nextwhen (the periodic part of Go's t.unlockAndRun) returns when a
 * periodic timer due at when runs next, seen at now: the first when +
 * k * period after now. The phase is kept and the periods missed while
 * the timer was late are skipped, not made up in a burst. A time past
 * INT64_MAX is INT64_MAX (never).
 */
static int64_t nextwhen(int64_t when, int64_t period, int64_t now)
{
	int64_t k = 1 + (now - when) / period, step, next;
	if (__builtin_mul_overflow(k, period, &step) || __builtin_add_overflow(when, step, &next))
		return INT64_MAX;
	return next;
}

/* timers_check (Go's ts.check) runs every timer due at now and returns
 * the next when, or -1. A periodic timer is re-armed (nextwhen) before
 * its function runs, in the same critical section that takes it from the
 * heap: timer_stop finds it pending then, and waits for the function. */
int64_t timers_check(int64_t now)
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
		int64_t when = t->when;
		if (t->period > 0) {
			t->when = nextwhen(when, t->period, now);
			siftdown(0);
			updateminwhen();
		} else {
			removeat(0);
		}
		unlock(&timers.lock);
		t->f(t->arg, when);
	}
}

/* timers_len returns how many timers are pending (Go's ts.len). */
int32_t timers_len(void)
{
	return atomic_load(&timers.len);
}

/* goroutineReady, a sleeping goroutine's timer function, readies it. */
static void goroutineReady(void *arg, int64_t when)
{
	(void)when;
	goready(arg);
}

/* resetForSleep, weft_sleep's gopark unlockf, adds the goroutine's timer
 * only once the goroutine is parked, so its function cannot ready a
 * goroutine that is still running. */
static bool resetForSleep(G *gp, void *arg)
{
	(void)arg;
	timer_add(gp->timer);
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
	t->f = goroutineReady;
	t->arg = gp;
	gopark(resetForSleep, NULL, WaitReasonSleep);
}
