/* The project's own programs (optima-bench, optima-demo, optima-bandit-sim) pick BLIS's
 * fastest compiled-in configuration for this CPU before BLIS starts, since Debian's BLIS
 * falls back to its slow generic kernels on CPUs it does not know (Zen 5). The library
 * itself never does this (a host may already use BLIS); it only warns. */
#ifndef OPTIMA_EXAMPLES_BLIS_CHOICE_H
#define OPTIMA_EXAMPLES_BLIS_CHOICE_H

/* Call first thing in main, before anything touches BLIS. When BLIS_ARCH_TYPE is unset,
 * set it to the best configuration this CPU supports (none: leave it unset); print the
 * choice on stderr, prefixed with @p program. */
void optima_choose_blis(const char *program);

#endif /* OPTIMA_EXAMPLES_BLIS_CHOICE_H */
