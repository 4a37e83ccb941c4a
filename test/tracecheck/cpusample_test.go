// cpusample_test.go: the CPU samples of a run that was traced and
// profiled at once, read from both sides: the trace by Go's Reader, the
// profile by Go's internal/profile (both importable only from inside
// Go's tree, hence this file's place beside weftcheck_test.go, laid into
// internal/trace by test/tracecheck/build.sh's overlay).
//
// Each sample the profiler takes while a trace runs goes both to the
// profile and, as a CPUSample event, to the trace. So:
//
//   - every StackSample event's stack (its functions, leaf first,
//     inlined ones included) is the stack of some sample of the profile,
//     and no stack is in the trace more often than in the profile;
//   - the trace has no more samples than the profile (summing the
//     profile's counts), and at least 90% as many; and of each stack,
//     fewer by at most 2 and a tenth. The profile covers the whole run;
//     the trace misses the samples taken before it started and after it
//     stopped, both within a few milliseconds of the program's start and
//     exit, and any sample still in the profiler's buffer when the
//     trace's last generation was cut. For the runs checked here (a
//     second or more of CPU time, at least 100 samples a second) that is
//     a few samples of a hundred or more, spread over the stacks as the
//     run's are: the bounds leave room for them and still fail a tracer
//     that loses samples as a matter of course (one generation's worth,
//     one M's, or those of one kind, taken in system calls, say).
//
// And, on request, what a run of test/prog/cpuprof_ms.c must show:
// samples on at least WEFTCPUCHECK_MINMS distinct Ms while running a
// goroutine; with WEFTCPUCHECK_G0=1, samples of no goroutine (an M on
// g0, in the scheduler); each function of WEFTCPUCHECK_FUNCS (comma
// separated) on the stack of some trace sample and some profile sample.
//
// Run: WEFTCPUCHECK_TRACE=FILE WEFTCPUCHECK_PROFILE=FILE
// build/test/tracecheck -test.run '^TestWeftCPUSamples$'. It prints a
// summary line, "cpusamples: ok: ..." or the errors, and fails on errors.
package trace_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"internal/profile"
	"internal/trace"
	"internal/trace/event/go122"
	"internal/trace/raw"
)

// cpuStackKey joins a stack's function names, leaf first.
func cpuStackKey(funcs []string) string {
	return strings.Join(funcs, " <- ")
}

// cpuProfileStacks reads a pprof profile: the count of each stack
// (function names, leaf first, an inlined function before the one it
// was inlined into, "?" for a PC of no known function), and the total
// count.
func cpuProfileStacks(data []byte) (map[string]int64, int64, error) {
	p, err := profile.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, 0, err
	}
	if len(p.SampleType) < 1 || p.SampleType[0].Type != "samples" {
		return nil, 0, fmt.Errorf("the profile's first sample type is not samples/count: %v", p.SampleType)
	}
	stacks := map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		var funcs []string
		for _, loc := range s.Location {
			// A PC outside the symbol table (the vDSO's, say) is a
			// location with an address and no lines; the trace
			// names its frame "?".
			if len(loc.Line) == 0 {
				funcs = append(funcs, "?")
			}
			for _, l := range loc.Line {
				name := "?"
				if l.Function != nil && l.Function.Name != "" {
					name = l.Function.Name
				}
				funcs = append(funcs, name)
			}
		}
		stacks[cpuStackKey(funcs)] += s.Value[0]
		total += s.Value[0]
	}
	return stacks, total, nil
}

// cpuTraceSample is one StackSample event of a trace.
type cpuTraceSample struct {
	m     trace.ThreadID
	g     trace.GoID
	funcs []string
}

func cpuTraceSamples(data []byte) ([]cpuTraceSample, error) {
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out []cpuTraceSample
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("Go's Reader: %v", err)
		}
		if ev.Kind() != trace.EventStackSample {
			continue
		}
		s := cpuTraceSample{m: ev.Thread(), g: ev.Goroutine()}
		ev.Stack().Frames(func(f trace.StackFrame) bool {
			name := f.Func
			if name == "" {
				name = "?"
			}
			s.funcs = append(s.funcs, name)
			return true
		})
		out = append(out, s)
	}
}

// cpuRawSamples counts the CPUSample events written in a trace, read
// by the raw reader: what the runtime wrote, before Go's Reader.
func cpuRawSamples(data []byte) (int, error) {
	r, err := raw.NewReader(bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if ev.Ev == go122.EvCPUSample {
			n++
		}
	}
}

func TestWeftCPUSamples(t *testing.T) {
	tracePath, profPath := os.Getenv("WEFTCPUCHECK_TRACE"), os.Getenv("WEFTCPUCHECK_PROFILE")
	if tracePath == "" || profPath == "" {
		t.Skip("WEFTCPUCHECK_TRACE and WEFTCPUCHECK_PROFILE name no files")
	}
	fail := func(f string, args ...any) {
		fmt.Printf("cpusamples: "+f+"\n", args...)
		t.Fail()
	}
	tdata, err := os.ReadFile(tracePath)
	if err != nil {
		fail("%v", err)
		return
	}
	pdata, err := os.ReadFile(profPath)
	if err != nil {
		fail("%v", err)
		return
	}
	stacks, total, err := cpuProfileStacks(pdata)
	if err != nil {
		fail("%s: %v", profPath, err)
		return
	}
	samples, err := cpuTraceSamples(tdata)
	if err != nil {
		fail("%s: %v", tracePath, err)
		return
	}
	written, err := cpuRawSamples(tdata)
	if err != nil {
		fail("%s: the raw reader: %v", tracePath, err)
		return
	}
	if written != len(samples) {
		fail("the trace has %d CPUSample events written, Go's Reader gives %d", written, len(samples))
	}

	// Every trace sample's stack is one of the profile's, and no stack
	// is in the trace more often than in the profile.
	missing := map[string]int{}
	inTrace := map[string]int64{}
	for _, s := range samples {
		k := cpuStackKey(s.funcs)
		inTrace[k]++
		if _, ok := stacks[k]; !ok {
			missing[k]++
		}
	}
	var over []string
	for k, c := range inTrace {
		if p, ok := stacks[k]; ok && c > p {
			over = append(over, fmt.Sprintf("%d x in the trace, %d x in the profile: %s", c, p, k))
		}
	}
	if len(over) > 0 {
		sort.Strings(over)
		fail("%d stacks are more often in the trace than in the profile:\n\t%s", len(over), strings.Join(over, "\n\t"))
	}
	if len(missing) > 0 {
		var keys []string
		for k := range missing {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n := 0
		for _, k := range keys {
			n += missing[k]
		}
		fail("%d trace samples (%d stacks) have a stack the profile has not; the first:", n, len(keys))
		for i, k := range keys {
			if i == 5 {
				break
			}
			fmt.Printf("\t%d x %s\n", missing[k], k)
		}
		var pkeys []string
		for k := range stacks {
			pkeys = append(pkeys, k)
		}
		sort.Strings(pkeys)
		fmt.Printf("the profile's stacks (%d), the first:\n", len(pkeys))
		for i, k := range pkeys {
			if i == 10 {
				break
			}
			fmt.Printf("\t%d x %s\n", stacks[k], k)
		}
	}

	// Counts: see the file's comment for the 90%.
	n := int64(len(samples))
	if n == 0 {
		fail("the trace has no StackSample events (the profile has %d samples)", total)
	}
	if n > total {
		fail("the trace has %d samples, more than the profile's %d", n, total)
	}
	if n*10 < total*9 {
		fail("the trace has %d samples, under 90%% of the profile's %d", n, total)
	}
	// Stack by stack, what the trace lacks, the most first. The start
	// and end windows are a few milliseconds, their samples spread over
	// the stacks as the run's are: no stack loses more than 2 and a
	// tenth of its samples but by a tracer that leaves out samples of
	// some kind (taken in a system call, say).
	type lack struct {
		n, of int64
		k     string
	}
	var lacks []lack
	tooMany := 0
	for k, c := range stacks {
		if d := c - inTrace[k]; d > 0 {
			lacks = append(lacks, lack{d, c, k})
			if d > 2+c/10 {
				tooMany++
			}
		}
	}
	sort.Slice(lacks, func(i, j int) bool {
		return lacks[i].n > lacks[j].n || lacks[i].n == lacks[j].n && lacks[i].k < lacks[j].k
	})
	if tooMany > 0 {
		fail("%d stacks have fewer samples in the trace than in the profile, by more than 2 and a tenth", tooMany)
	}
	if t.Failed() && len(lacks) > 0 {
		fmt.Printf("cpusamples: the profile's samples the trace lacks, by stack:\n")
		for i, l := range lacks {
			if i == 8 {
				break
			}
			fmt.Printf("\t%d of %d x %s\n", l.n, l.of, l.k)
		}
	}

	// Where the samples were taken.
	ms := map[trace.ThreadID]bool{}
	gms := map[trace.ThreadID]bool{}
	g0 := 0
	for _, s := range samples {
		ms[s.m] = true
		if s.g == trace.NoGoroutine {
			g0++
		} else {
			gms[s.m] = true
		}
	}
	if v := os.Getenv("WEFTCPUCHECK_MINMS"); v != "" {
		min, err := strconv.Atoi(v)
		if err != nil {
			fail("WEFTCPUCHECK_MINMS=%s: %v", v, err)
		} else if len(gms) < min {
			fail("samples of a goroutine on %d Ms, want at least %d (samples on %d Ms in all)", len(gms), min, len(ms))
		}
	}
	if os.Getenv("WEFTCPUCHECK_G0") == "1" && g0 == 0 {
		fail("no sample of no goroutine (an M on g0) among %d", n)
	}
	var funcs []string
	if v := os.Getenv("WEFTCPUCHECK_FUNCS"); v != "" {
		funcs = strings.Split(v, ",")
	}
	var found []string
	for _, fn := range funcs {
		inTrace, inProfile := 0, int64(0)
		for _, s := range samples {
			for _, f := range s.funcs {
				if f == fn {
					inTrace++
					break
				}
			}
		}
		for k, c := range stacks {
			for _, f := range strings.Split(k, " <- ") {
				if f == fn {
					inProfile += c
					break
				}
			}
		}
		if inTrace == 0 || inProfile == 0 {
			fail("%s is on the stack of %d trace samples and %d profile samples, want some of each", fn, inTrace, inProfile)
		}
		found = append(found, fmt.Sprintf("%s %d/%d", fn, inTrace, inProfile))
	}
	summary := fmt.Sprintf("%d trace samples, %d in the profile (%d stacks); on %d Ms (%d with a goroutine); %d on g0",
		n, total, len(stacks), len(ms), len(gms), g0)
	if len(found) > 0 {
		summary += "; on the stack (trace/profile): " + strings.Join(found, ", ")
	}
	if t.Failed() {
		fmt.Printf("cpusamples: %s\n", summary)
		return
	}
	fmt.Printf("cpusamples: ok: %s\n", summary)
}
