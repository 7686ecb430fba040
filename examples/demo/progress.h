/* Progress of a long run: a redrawn bar on a terminal, a plain line every tenth otherwise. */
#ifndef DEMO_PROGRESS_H
#define DEMO_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct demo_progress {
    FILE *out;
    int tty;
    char label[48];
    size_t total;
    int last_tenth;
    double start;
} demo_progress;

/* tty: 1 bar, 0 lines, -1 decide with isatty(out). */
void demo_progress_begin(demo_progress *p, FILE *out, int tty, const char *label, size_t total);
void demo_progress_update(demo_progress *p, size_t done, float loss);
void demo_progress_end(demo_progress *p, const char *summary);

/* Monotonic seconds. */
double demo_now(void);

#endif
