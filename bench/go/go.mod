// The Go twins of weft's benchmarks (see ../README.md). No dependencies:
// they build offline with GOTOOLCHAIN=local.
module weftbench

go 1.23
