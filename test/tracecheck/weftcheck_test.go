// weftcheck_test.go: the strict oracle for weft's traces.
//
// This file is compiled into Go's own internal/trace package, through
// `go test -c -overlay` (test/tracecheck/build.sh), since internal
// packages can be imported only from inside Go's tree: it reads a trace
// with Go's Reader and checks every event with testtrace.Validator, as
// Go's own trace tests do, and then checks what neither of them does:
//
//   - the time line: Go's Reader converts each event's timestamp delta to
//     nanoseconds on its own, truncating, and then moves any event that
//     would come before the one it emitted last to just after it. So a
//     trace whose timestamps drift, or whose events carry a cause later
//     than its effect, reads without an error but with events moved.
//     Here each event's raw time is computed from the batches beside the
//     Reader's: the drift (the truncated sum against the exact one) must
//     be under a nanosecond, and along the Reader's order, which follows
//     every dependency (a goroutine's creation before its start, a block
//     before the unblock that ends it), no event of a generation may carry
//     a raw time before one emitted earlier in that generation; on each
//     thread, no event of a generation may come after the next
//     generation's first;
//   - stacks: every frame's PC is an address a program can have (below
//     2^48), not an internal tag; and one PC names one frame (function,
//     file and line) all through the trace, as the stack tables are
//     written: Go's Reader keeps the first frame written with a PC in
//     each generation, and go tool trace keys frames by PC, so a PC
//     written for two frames shows one of them in the other's place.
//
// Run: WEFTCHECK=FILE build/test/tracecheck -test.run '^TestWeftTrace$'.
// It prints one summary line, or the errors, and fails.
//
// With WEFTCHECK_SUFFIXES=1 it also checks, the same way, every suffix of
// the trace's generations: the trace without its first k generations, for
// every k, as a flight recorder's window or a trace whose start was lost
// would be. Each generation announces every goroutine and P, so each
// suffix must read alone. WEFTCHECK_SUFFIXDIR=DIR writes each suffix to
// DIR/suffix-K.trace too, for go tool trace.
package trace_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"internal/trace"
	"internal/trace/event/go122"
	"internal/trace/raw"
	"internal/trace/testtrace"
)

// rawEv is one timed event as written: its timestamp delta, and on
// which thread the Reader emits it (see rawTime).
type rawEv struct {
	delta uint64
	on    int64
}

// Where the Reader emits a written event (rawTime.on), if not on the
// thread that wrote it: a P's status written as ProcSyscallAbandoned
// (by the thread that steals the P) on the thread the P was bound to,
// found only by the Reader (onBound); a goroutine's status written as
// GoSyscall (by the thread that announces it) on the goroutine's thread,
// the status's m argument (>= 0). Go's order.go does both.
const (
	onWriter  = -1
	onBound   = -2
	onMatched = -3 // a status of no thread's batch, matched already
)

// rawGen is one generation's timed events, per thread, as written.
type rawGen struct {
	gen     uint64
	procs   int                         // ProcsChange events
	starts  int                         // GoStart events, running goroutines' statuses
	freq    uint64                      // units per second
	base    map[trace.ThreadID][]uint64 // each batch's base, per thread
	batches map[trace.ThreadID][][]rawEv
	strs    map[uint64]string // the string table
	frames  [][4]uint64       // the stack table's frames: PC, function, file, line
}

// rawTime is one written event's time, as Go's Reader computes it, and
// on which thread the Reader emits it: onWriter, onBound or a thread.
type rawTime struct {
	t  int64
	on int64
}

// rawTimes holds each thread's event times of one generation in order,
// as Go's Reader computes them and exactly.
type rawTimes struct {
	times map[trace.ThreadID][]rawTime
	next  map[trace.ThreadID]int
	drift float64
}

// readRaw reads the batches of a trace: per generation, per thread, the
// timestamp deltas of its timed events.
func readRaw(data []byte) ([]*rawGen, error) {
	r, err := raw.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	specs := r.Version().Specs()
	var gens []*rawGen
	var cur *rawGen
	var curGen uint64
	var deltas *[]rawEv
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			return gens, nil
		}
		if err != nil {
			return nil, err
		}
		switch ev.Ev {
		case go122.EvEventBatch:
			gen, m := ev.Args[0], trace.ThreadID(int64(ev.Args[1]))
			if ev.Args[1] == math.MaxUint64 {
				m = trace.NoThread
			}
			if cur == nil || gen != curGen {
				cur = &rawGen{gen: gen, base: map[trace.ThreadID][]uint64{}, batches: map[trace.ThreadID][][]rawEv{},
					strs: map[uint64]string{}}
				gens = append(gens, cur)
				curGen = gen
			}
			cur.base[m] = append(cur.base[m], ev.Args[2])
			cur.batches[m] = append(cur.batches[m], nil)
			deltas = &cur.batches[m][len(cur.batches[m])-1]
		case go122.EvFrequency:
			cur.freq = ev.Args[0]
		case go122.EvString:
			cur.strs[ev.Args[0]] = string(ev.Data)
		case go122.EvStack:
			for f := ev.Args[2:]; len(f) >= 4; f = f[4:] {
				cur.frames = append(cur.frames, [4]uint64{f[0], f[1], f[2], f[3]})
			}
		default:
			switch ev.Ev {
			case go122.EvProcsChange:
				cur.procs++
			case go122.EvGoStart:
				cur.starts++
			case go122.EvGoStatus, go122.EvGoStatusStack:
				if go122.GoStatus(ev.Args[3]) == go122.GoRunning {
					cur.starts++
				}
			}
			if int(ev.Ev) < len(specs) && specs[ev.Ev].IsTimedEvent && deltas != nil {
				on := int64(onWriter)
				switch {
				case ev.Ev == go122.EvProcStatus && go122.ProcStatus(ev.Args[2]) == go122.ProcSyscallAbandoned:
					on = onBound // dt, p, pstatus
				case (ev.Ev == go122.EvGoStatus || ev.Ev == go122.EvGoStatusStack) &&
					go122.GoStatus(ev.Args[3]) == go122.GoSyscall:
					on = int64(ev.Args[2]) // dt, g, m, gstatus[, stack]
				}
				*deltas = append(*deltas, rawEv{ev.Args[0], on})
			}
		}
	}
}

// times computes g's event times per thread, as Go's Reader does (each
// delta converted and truncated on its own), and the largest drift of
// those from the exact sum.
func (g *rawGen) times() *rawTimes {
	rt := &rawTimes{times: map[trace.ThreadID][]rawTime{}, next: map[trace.ThreadID]int{}}
	if g.freq == 0 {
		return rt
	}
	nsPer := 1.0 / (float64(g.freq) / 1e9)
	for m, bs := range g.batches {
		for i, ds := range bs {
			base := g.base[m][i]
			t := int64(float64(base) * nsPer)
			sum := base
			for _, d := range ds {
				t += int64(float64(d.delta) * nsPer)
				sum += d.delta
				exact := float64(sum) * nsPer
				if dr := math.Abs(exact - float64(t)); dr > rt.drift {
					rt.drift = dr
				}
				rt.times[m] = append(rt.times[m], rawTime{t, d.on})
			}
		}
	}
	return rt
}

// desc describes ev on one line: its kind, its resource and transition,
// and where it happened.
func desc(ev trace.Event) string {
	what := ev.Kind().String()
	if ev.Kind() == trace.EventStateTransition {
		st := ev.StateTransition()
		switch st.Resource.Kind {
		case trace.ResourceGoroutine:
			from, to := st.Goroutine()
			what = fmt.Sprintf("G%d %v->%v", st.Resource.Goroutine(), from, to)
		case trace.ResourceProc:
			from, to := st.Proc()
			what = fmt.Sprintf("P%d %v->%v", st.Resource.Proc(), from, to)
		}
	}
	return fmt.Sprintf("%s (M%d P%d G%d)", what, ev.Thread(), ev.Proc(), ev.Goroutine())
}

// take returns the raw time of an event that the Reader emitted at time
// e on thread m: the next one written on m, when that is not after e (an
// event is emitted at its written time, or later when the Reader moved
// it). status says the event may be a status event that the Reader
// emits on another thread than the one that wrote it (rawTime.on); it is
// then, if not m's next, the next of whichever thread wrote it for m.
func (rt *rawTimes) take(m trace.ThreadID, e int64, status bool) (int64, bool) {
	if i := rt.next[m]; i < len(rt.times[m]) && rt.times[m][i].t <= e &&
		(!status || rt.times[m][i].emittedOn(m, m)) {
		rt.next[m] = i + 1
		return rt.times[m][i].t, true
	}
	if status {
		for m2, ts := range rt.times {
			if m2 == trace.NoThread {
				// The statuses a generation's end writes, in a
				// batch of no thread, are in no order the Reader
				// keeps: any one for m not yet matched.
				for i := range ts {
					if ts[i].on >= 0 && trace.ThreadID(ts[i].on) == m && ts[i].t <= e {
						ts[i].on = onMatched
						return ts[i].t, true
					}
				}
				continue
			}
			if i := rt.next[m2]; m2 != m && i < len(ts) && ts[i].t <= e && ts[i].emittedOn(m2, m) {
				rt.next[m2] = i + 1
				return ts[i].t, true
			}
		}
	}
	return 0, false
}

// emittedOn reports whether the Reader may emit r, written on thread w,
// on thread m.
func (r rawTime) emittedOn(w, m trace.ThreadID) bool {
	switch r.on {
	case onWriter:
		return m == w
	case onBound:
		return true
	}
	return trace.ThreadID(r.on) == m
}

// checker collects errors by kind, keeping the first few of each.
type checker struct {
	kinds []string
	count map[string]int
	first map[string][]string
}

func (c *checker) errorf(kind, f string, args ...any) {
	if c.count == nil {
		c.count, c.first = map[string]int{}, map[string][]string{}
	}
	if c.count[kind] == 0 {
		c.kinds = append(c.kinds, kind)
	}
	c.count[kind]++
	if len(c.first[kind]) < 5 {
		c.first[kind] = append(c.first[kind], fmt.Sprintf(f, args...))
	}
}

func (c *checker) err() error {
	if len(c.kinds) == 0 {
		return nil
	}
	var b strings.Builder
	for _, k := range c.kinds {
		fmt.Fprintf(&b, "%d errors: %s, the first:\n", c.count[k], k)
		for _, e := range c.first[k] {
			fmt.Fprintf(&b, "\t%s\n", e)
		}
	}
	return fmt.Errorf("%s", b.String())
}

// suffixes returns the trace data without its first k generations, for
// k = 1 .. (its generations - 1), in order: the 16-byte header, then the
// batches of the generations kept (every batch starts with EvEventBatch:
// generation, thread, base time, length).
func suffixes(data []byte) ([][]byte, error) {
	type batch struct {
		gen        uint64
		start, end int
	}
	var bs []batch
	for off := 16; off < len(data); {
		if data[off] != byte(go122.EvEventBatch) {
			return nil, fmt.Errorf("byte %d: event %d where a batch should start", off, data[off])
		}
		p := off + 1
		var v [4]uint64
		for i := range v {
			x, n := binary.Uvarint(data[p:])
			if n <= 0 {
				return nil, fmt.Errorf("byte %d: a bad batch header", off)
			}
			v[i], p = x, p+n
		}
		end := p + int(v[3])
		if end > len(data) {
			return nil, fmt.Errorf("byte %d: a batch of %d bytes past the end", off, v[3])
		}
		bs = append(bs, batch{v[0], off, end})
		off = end
	}
	var gens []uint64
	for _, b := range bs {
		if len(gens) == 0 || gens[len(gens)-1] != b.gen {
			gens = append(gens, b.gen)
		}
	}
	var out [][]byte
	for k := 1; k < len(gens); k++ {
		d := append([]byte{}, data[:16]...)
		for _, b := range bs {
			if b.gen >= gens[k] {
				d = append(d, data[b.start:b.end]...)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func check(data []byte) (string, error) {
	gens, err := readRaw(data)
	if err != nil {
		return "", fmt.Errorf("reading the batches: %v", err)
	}
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	v := testtrace.NewValidator()
	c := &checker{}
	// Every generation in which a goroutine runs says how many Ps there
	// are, as Go's do.
	for _, g := range gens {
		if g.starts > 0 && g.procs == 0 {
			c.errorf("generations without ProcsChange", "generation %d has goroutines running and no ProcsChange", g.gen)
		}
	}
	// One PC, one frame, across the generations.
	named := map[uint64]string{}
	for _, g := range gens {
		for _, f := range g.frames {
			name := fmt.Sprintf("%s %s:%d", g.strs[f[1]], g.strs[f[2]], f[3])
			if prev, ok := named[f[0]]; !ok {
				named[f[0]] = name
			} else if prev != name {
				c.errorf("PCs that name two frames", "generation %d: PC %#x names %s, and %s before", g.gen, f[0], name, prev)
			}
		}
	}
	var n, frames int
	var maxDrift float64
	// The generation being read and its raw times.
	gi := -1
	var rt *rawTimes
	// Per generation: the latest raw time emitted and its event.
	var latest int64
	var latestEv string
	// Per thread: the last raw time of the generation before.
	lastOnM := map[trace.ThreadID]int64{}
	thisOnM := map[trace.ThreadID]int64{}
	firstOnM := map[trace.ThreadID]bool{}
	startGen := func() {
		gi++
		rt = nil
		if gi < len(gens) {
			rt = gens[gi].times()
			if rt.drift > maxDrift {
				maxDrift = rt.drift
			}
		}
		for m, t := range thisOnM {
			lastOnM[m] = t
		}
		thisOnM = map[trace.ThreadID]int64{}
		firstOnM = map[trace.ThreadID]bool{}
		latest, latestEv = math.MinInt64, ""
	}
	endGen := func() {
		if rt != nil {
			for m, ts := range rt.times {
				// Events of no thread (the statuses a generation's
				// end writes) are emitted with no thread and not
				// matched, but for the ones emitted on a thread.
				if m != trace.NoThread && rt.next[m] != len(ts) {
					c.errorf("events written and read differ", "generation %d: thread %d wrote %d timed events, the Reader emitted %d",
						gi+1, m, len(ts), rt.next[m])
				}
			}
		}
		startGen()
	}
	startGen()
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("Go's Reader: after %d events: %v", n, err)
		}
		n++
		if err := v.Event(ev); err != nil {
			c.errorf("rejected by testtrace.Validator", "event %d (%s): %v", n, desc(ev), err)
		}
		if ev.Kind() == trace.EventSync {
			// A generation ends (Go's Reader emits Sync after each).
			endGen()
			continue
		}
		stk := ev.Stack()
		if stk != trace.NoStack {
			stk.Frames(func(fr trace.StackFrame) bool {
				frames++
				if fr.PC == 0 || fr.PC >= 1<<48 {
					c.errorf("frame PCs that are no address", "event %d (%s): frame %s has PC %#x, not an address", n, ev.Kind(), fr.Func, fr.PC)
				}
				return true
			})
		}
		m := ev.Thread()
		if m == trace.NoThread || ev.Kind() == trace.EventStackSample {
			// CPU samples come from batches of their own, with
			// whole timestamps, not from any thread's events.
			continue
		}
		if rt == nil {
			c.errorf("events written and read differ", "event %d (%s): the file has no batches for its generation", n, desc(ev))
			continue
		}
		// The status events the Reader may emit on another thread:
		// a P's abandoned syscall status (Running->Running), a
		// goroutine's syscall status (Syscall from Syscall, or from
		// Undetermined at the trace's start).
		status := false
		if ev.Kind() == trace.EventStateTransition {
			switch st := ev.StateTransition(); st.Resource.Kind {
			case trace.ResourceProc:
				from, to := st.Proc()
				status = from == trace.ProcRunning && to == trace.ProcRunning
			case trace.ResourceGoroutine:
				from, to := st.Goroutine()
				status = to == trace.GoSyscall && (from == trace.GoSyscall || from == trace.GoUndetermined)
			}
		}
		t, ok := rt.take(m, int64(ev.Time()), status)
		if !ok {
			c.errorf("events written and read differ", "event %d (%s): no event written at that time is left to match it", n, desc(ev))
			continue
		}
		if t < latest {
			c.errorf("events written before their causes", "generation %d: %s at %d ns was written before %s at %d ns, which it follows",
				gi+1, desc(ev), t, latestEv, latest)
		} else {
			latest, latestEv = t, desc(ev)
		}
		if !firstOnM[m] {
			firstOnM[m] = true
			if last, ok := lastOnM[m]; ok && t < last {
				c.errorf("a thread's generations overlap in time", "generation %d: thread %d's first event (%s) at %d ns is before its last of the generation before (%d ns)",
					gi+1, m, desc(ev), t, last)
			}
		}
		thisOnM[m] = t
	}
	if maxDrift >= 1 {
		c.errorf("timestamps drift", " Go's Reader places events up to %.0f ns from their written time", maxDrift)
	}
	if n == 0 {
		c.errorf("empty trace", "no events")
	}
	summary := fmt.Sprintf("%d events, %d generations, %d frames, drift %.0f ns", n, gi, frames, maxDrift)
	return summary, c.err()
}

func TestWeftTrace(t *testing.T) {
	paths := os.Getenv("WEFTCHECK")
	if paths == "" {
		t.Skip("WEFTCHECK names no trace")
	}
	for _, p := range strings.Split(paths, ":") {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Printf("%s: %v\n", p, err)
			t.Fail()
			continue
		}
		summary, err := check(data)
		if err != nil {
			fmt.Printf("%s: %s\n%v\n", p, summary, err)
			t.Fail()
			continue
		}
		fmt.Printf("%s: ok: %s\n", p, summary)
		if os.Getenv("WEFTCHECK_SUFFIXES") == "" {
			continue
		}
		sufs, err := suffixes(data)
		if err != nil {
			fmt.Printf("%s: cutting generations: %v\n", p, err)
			t.Fail()
			continue
		}
		dir := os.Getenv("WEFTCHECK_SUFFIXDIR")
		bad := 0
		for i, d := range sufs {
			if dir != "" {
				if err := os.WriteFile(fmt.Sprintf("%s/suffix-%d.trace", dir, i+1), d, 0o644); err != nil {
					fmt.Printf("%v\n", err)
					t.Fail()
				}
			}
			if summary, err := check(d); err != nil {
				fmt.Printf("%s without its first %d generations: %s\n%v\n", p, i+1, summary, err)
				t.Fail()
				if bad++; bad == 3 {
					break
				}
			}
		}
		if bad == 0 {
			fmt.Printf("%s: ok: every suffix (%d) reads alone\n", p, len(sufs))
		}
	}
}
