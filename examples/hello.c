/* The smallest use of liboptima: make a context, set its threads, report errors the
 * library's way. Run: ./optima-hello */
#include <optima/optima.h>

#include <stdio.h>

int main(void)
{
    optima_context *ctx = NULL;
    optima_status s = optima_context_create(&ctx);
    if (s != OPTIMA_OK) {
        fprintf(stderr, "optima_context_create: %s (%s)\n", optima_status_string(s),
                optima_last_error());
        return 1;
    }
    s = optima_context_set_threads(ctx, 2);
    if (s != OPTIMA_OK) {
        fprintf(stderr, "%s\n", optima_context_last_error(ctx));
        optima_context_destroy(ctx);
        return 1;
    }
    /* A refused setting: the status says what kind of error, the message says where. */
    s = optima_context_set_threads(ctx, 0);
    printf("liboptima %s\n", optima_version_string());
    printf("refused as expected: %s: %s\n", optima_status_string(s),
           optima_context_last_error(ctx));
    optima_context_destroy(ctx);
    return 0;
}
