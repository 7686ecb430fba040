/* See blis_choice.h. The rule is the library's own (src/core/blis_arch.h). */
#include "blis_choice.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/blis_arch.h"

void optima_choose_blis(const char *program)
{
    const char *set = getenv("BLIS_ARCH_TYPE");
    if (set != NULL) {
        fprintf(stderr, "%s: BLIS configuration from the environment: BLIS_ARCH_TYPE=%s\n",
                program, set);
        return;
    }
    const opt_cpu cpu = opt_cpu_detect();
    const opt_blis_arch best = opt_blis_best_arch(&cpu);
    if (best.name == NULL) {
        fprintf(stderr, "%s: BLIS picks its own configuration for this CPU\n", program);
        return;
    }
    char value[16];
    snprintf(value, sizeof value, "%d", best.value);
    if (setenv("BLIS_ARCH_TYPE", value, 0) != 0) {
        fprintf(stderr, "%s: cannot set BLIS_ARCH_TYPE; BLIS picks its own configuration\n",
                program);
        return;
    }
    fprintf(stderr, "%s: BLIS configuration '%s' for this CPU (BLIS_ARCH_TYPE=%s)\n", program,
            best.name, value);
}
