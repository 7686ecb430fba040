/* The results plot with gnuplot (see plot.h). */
#include "plot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static FILE *open_in(const char *dir, const char *name, char *msg, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) snprintf(msg, len, "plot: cannot write %s: %s", path, strerror(errno));
    return f;
}

static int write_bars(const demo_plot_input *in, char *msg, size_t len)
{
    FILE *f = open_in(in->dir, "accuracy.dat", msg, len);
    if (f == NULL) return -1;
    fprintf(f, "# index policy accuracy_mean accuracy_std\n");
    for (size_t i = 0; i < in->bar_count; ++i)
        fprintf(f, "%zu %s %.6f %.6f\n", i, in->bars[i].name, in->bars[i].mean, in->bars[i].std);
    return fclose(f) == 0 ? 0 : -1;
}

/* The accuracy axis is zoomed on the bars (their differences are a fraction of a point). */
static void accuracy_range(const demo_plot_input *in, double *lo, double *hi)
{
    *lo = in->teacher;
    *hi = in->teacher;
    for (size_t i = 0; i < in->bar_count; ++i) {
        const demo_plot_bar *b = &in->bars[i];
        if (b->mean - b->std < *lo) *lo = b->mean - b->std;
        if (b->mean + b->std > *hi) *hi = b->mean + b->std;
    }
    const double pad = (*hi - *lo) * 0.15 + 1e-3;
    *lo -= pad;
    *hi += pad;
}

static void write_arm_panel(FILE *f, const demo_plot_input *in)
{
    fprintf(f, "set title \"Arm played by OPTIMA in each round of %zu steps\"\n"
               "set xlabel \"student step (first step of the round)\"\nset xrange [0:%zu]\n"
               "set yrange [-0.5:%zu.5]\nset ytics (",
            in->round_length, in->steps, in->arm_count - 1);
    for (size_t a = 0; a < in->arm_count; ++a)
        fprintf(f, "%s\"%s\" %zu", a ? ", " : "", in->arm_names[a], a);
    fprintf(f, ")\nset grid ytics\nset key outside right top\nset datafile separator \",\"\nplot ");
    for (size_t k = 0; k < in->arm_log_count; ++k) {
        /* seeds are drawn side by side inside each arm's row */
        const double shift = in->arm_log_count > 1
                                 ? -0.25 + 0.5 * (double)k / (double)(in->arm_log_count - 1)
                                 : 0.0;
        fprintf(f, "%s\"%s\" skip 1 using 2:($3%+.3f) with points pt 7 ps 0.7 title \"seed %zu\"",
                k ? ", \\\n     " : "", in->arm_logs[k], shift, k + 1);
    }
    fprintf(f, "\nunset grid\nset datafile separator whitespace\nset key default\n");
}

static void write_bar_panel(FILE *f, const demo_plot_input *in)
{
    double lo = 0.0, hi = 1.0;
    accuracy_range(in, &lo, &hi);
    fprintf(f,
            "set title \"Test accuracy on %zu FashionVQA questions (mean and std over %zu "
            "seed%s)\"\n"
            "unset xlabel\nset ylabel \"accuracy\"\nset ytics auto\nset format y \"%%.3f\"\n"
            "set yrange [%.4f:%.4f]\nset xrange [-0.6:%zu.4]\nset boxwidth 0.6\n"
            "set style fill solid 0.5 border -1\nset key top left\n"
            "plot \"accuracy.dat\" using 1:3:4:xtic(2) with boxerrorbars lc rgb \"#4a7fb5\" "
            "notitle, \\\n"
            "     \"\" using 1:($3+$4):(sprintf(\"%%.4f\", $3)) with labels offset 0,0.7 "
            "notitle, \\\n"
            "     %.6f with lines dt 2 lc rgb \"black\" title \"teacher %.4f\"\n",
            in->questions, in->seeds, in->seeds == 1 ? "" : "s", lo, hi, in->bar_count - 1, in->teacher,
            in->teacher);
}

static int write_script(const demo_plot_input *in, char *msg, size_t len)
{
    FILE *f = open_in(in->dir, "plot.gp", msg, len);
    if (f == NULL) return -1;
    const int panels = in->arm_log_count > 0 ? 2 : 1;
    fprintf(f, "# Written by optima-demo; run `gnuplot plot.gp` in this directory.\n"
               "set terminal pngcairo noenhanced size 1000,%d font \"sans,10\"\n"
               "set output \"%s\"\n"
               "set multiplot layout %d,1\n",
            panels * 420, in->png, panels);
    if (panels == 2) write_arm_panel(f, in);
    write_bar_panel(f, in);
    fprintf(f, "unset multiplot\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* fork + exec rather than system(): no shell, so no quoting of the directory's name. */
static int run_gnuplot(const char *dir, char *msg, size_t len)
{
    fflush(NULL);
    const pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, len, "plot: cannot start gnuplot: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) == 0) execlp("gnuplot", "gnuplot", "plot.gp", (char *)NULL);
        _exit(errno == ENOENT ? 127 : 126);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(msg, len, "plot: waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(msg, len, "plot skipped: gnuplot is not installed (apt-get install gnuplot-nox)");
        return 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(msg, len, "plot: gnuplot failed on %s/plot.gp", dir);
        return -1;
    }
    return 0;
}

int demo_plot(const demo_plot_input *in, char *msg, size_t len)
{
    if (in->bar_count == 0 || in->bar_count > DEMO_PLOT_MAX_BARS) {
        snprintf(msg, len, "plot: nothing to plot");
        return -1;
    }
    if (write_bars(in, msg, len) != 0 || write_script(in, msg, len) != 0) return -1;
    const int rc = run_gnuplot(in->dir, msg, len);
    if (rc == 0) snprintf(msg, len, "wrote %s/%s", in->dir, in->png);
    return rc;
}
