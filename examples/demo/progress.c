/* Progress bar on a terminal, plain lines elsewhere (logs, CI). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30

double demo_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void demo_progress_begin(demo_progress *p, FILE *out, int tty, const char *label, size_t total)
{
    p->out = out;
    p->tty = tty >= 0 ? tty : (out != NULL && isatty(fileno(out)));
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total ? total : 1;
    p->last_tenth = -1;
    p->start = demo_now();
}

void demo_progress_update(demo_progress *p, size_t done, float loss)
{
    if (p == NULL || p->out == NULL) return;
    const double secs = demo_now() - p->start;
    if (p->tty) {
        /* Redraw about 100 times per run: often enough to move, rarely enough to be free. */
        const size_t every = p->total / 100 ? p->total / 100 : 1;
        if (done % every != 0 && done != p->total) return;
        char bar[BAR_WIDTH + 1];
        const size_t fill = done * BAR_WIDTH / p->total;
        memset(bar, '#', fill);
        memset(bar + fill, '.', BAR_WIDTH - fill);
        bar[BAR_WIDTH] = '\0';
        fprintf(p->out, "\r%-22s [%s] %3zu%% %zu/%zu loss %.4f %.1fs", p->label, bar,
                done * 100 / p->total, done, p->total, (double)loss, secs);
        fflush(p->out);
        return;
    }
    const int tenth = (int)(done * 10 / p->total);
    if (tenth == p->last_tenth) return;
    p->last_tenth = tenth;
    fprintf(p->out, "%s: step %zu/%zu (%d%%) loss %.4f %.1fs\n", p->label, done, p->total,
            tenth * 10, (double)loss, secs);
    fflush(p->out);
}

void demo_progress_end(demo_progress *p, const char *summary)
{
    if (p == NULL || p->out == NULL) return;
    if (p->tty) fprintf(p->out, "\r\033[K");
    fprintf(p->out, "%s: %s (%.1fs)\n", p->label, summary, demo_now() - p->start);
    fflush(p->out);
}
