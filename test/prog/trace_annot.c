/*
 * trace_annot.c: user annotations (Go's runtime/trace) for the tracer's
 * test (test/trace_test.c). Goroutine 1 begins a task and, inside it, a
 * region during which it logs and starts a goroutine; that goroutine
 * begins a child task, logs to it with a message that needs quoting, and
 * opens a region that spans a blocking sleep. Both tasks end.
 *
 * Annotations cost nothing while tracing is off, but their task ids are
 * real either way (never 0, and distinct): the program checks that and
 * prints "task ids ok" or exits 1. It prints the ids it got, so the test
 * can find them in the trace: "tasks P C".
 */
#include <weft.h>

static uint64_t parent, child;
static weft_chan *done;

static void worker(void *arg)
{
	(void)arg;
	child = weft_trace_task_begin(parent, "child task");
	weft_trace_log(child, "greeting", "hello \"quoted\" world");
	weft_trace_region_begin(child, "napping");
	weft_sleep(100 * 1000);
	weft_trace_region_end(child, "napping");
	weft_trace_task_end(child);
	int one = 1;
	weft_chan_send(done, &one);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	done = weft_chan_make(sizeof(int), 0);
	parent = weft_trace_task_begin(0, "parent task");
	weft_trace_region_begin(parent, "outer region");
	weft_trace_log(parent, "phase", "starting the worker");
	weft_go(worker, NULL);
	int v;
	weft_chan_recv(done, &v);
	weft_trace_region_end(parent, "outer region");
	weft_trace_log(0, "", "no task, no category");
	weft_trace_task_end(parent);

	if (parent == 0 || child == 0 || parent == child) {
		weft_printf("bad task ids %llu %llu\n", (unsigned long long)parent, (unsigned long long)child);
		return 1;
	}
	weft_printf("task ids ok\ntasks %llu %llu\n", (unsigned long long)parent, (unsigned long long)child);
	return 0;
}
