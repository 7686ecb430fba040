/* Run this test program again in a child process whose environment sets BLIS_ARCH_TYPE:
 * BLIS reads the variable once per process, so a test of another configuration needs
 * its own process. The child runs `program --child ARG` and its standard output is
 * returned to the parent. */
#ifndef OPTIMA_BLIS_CHILD_H
#define OPTIMA_BLIS_CHILD_H

#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* The child's standard output (malloc'd, NUL-terminated); fails the test unless the child
 * exits with status 0. @p arch < 0 leaves the variable unset. */
static inline char *blis_child_output(const char *arg, int arch)
{
    /* the path, not /proc/self/exe itself: under valgrind that names valgrind's tool,
     * while readlink answers with the program being checked */
    char self[4096];
    const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(len > 0);
    self[len] = '\0';
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char value[16];
        snprintf(value, sizeof value, "%d", arch);
        if (arch >= 0) setenv("BLIS_ARCH_TYPE", value, 1);
        else unsetenv("BLIS_ARCH_TYPE");
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        char *const argv[] = {"blis-child", "--child", (char *)arg, NULL};
        execv(self, argv);
        _exit(127);
    }
    close(fds[1]);
    size_t size = 0, cap = 4096;
    char *out = malloc(cap);
    assert_non_null(out);
    for (ssize_t got; (got = read(fds[0], out + size, cap - size - 1)) > 0;) {
        size += (size_t)got;
        if (cap - size < 2) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[size] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return out;
}

#endif /* OPTIMA_BLIS_CHILD_H */
