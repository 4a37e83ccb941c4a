/*
 * fail.h: the failure count of the test programs that print their own
 * report rather than run named checks (check.h): FAIL prints
 * "FAIL line N: message" and counts it; the program ends with status 1
 * when failures is not 0.
 */
#ifndef WEFT_TEST_FAIL_H
#define WEFT_TEST_FAIL_H

static int failures;

#define FAIL(...)                                       \
	do {                                            \
		weft_printf("FAIL line %d: ", __LINE__); \
		weft_printf(__VA_ARGS__);               \
		weft_printf("\n");                      \
		failures++;                             \
	} while (0)

#endif
