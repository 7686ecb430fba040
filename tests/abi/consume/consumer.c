/* A C host built with pkg-config only. */
#include <optima/optima.h>

#include <stdio.h>

int main(void)
{
    optima_context *ctx = NULL;
    if (optima_context_create(&ctx) != OPTIMA_OK) {
        fprintf(stderr, "%s\n", optima_last_error());
        return 1;
    }
    optima_context_destroy(ctx);
    printf("liboptima %s\n", optima_version_string());
    return 0;
}
