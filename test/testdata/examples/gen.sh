#!/bin/sh
# gen.sh: writes the golden outputs of the examples that are computed
# (the primes for sieve); the others are written out by hand and checked
# against the examples' sources. Run from this directory: sh gen.sh
set -eu
primes() {
	awk -v n="$1" 'BEGIN {
		for (c = 2; found < n; c++) {
			prime = 1
			for (i = 0; i < found; i++) if (c % p[i] == 0) { prime = 0; break }
			if (prime) { p[found++] = c; print c }
		}
	}'
}
primes 20 > sieve.out
primes 5 > sieve5.out
primes 100 > sieve100.out
