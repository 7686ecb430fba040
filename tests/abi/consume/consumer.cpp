// A C++ host: includes the umbrella header, makes a context, prints the version.
#include <optima/optima.h>

#include <cstdio>

int main()
{
    optima_context *ctx = nullptr;
    if (optima_context_create(&ctx) != OPTIMA_OK) {
        std::fprintf(stderr, "%s\n", optima_last_error());
        return 1;
    }
    optima_context_destroy(ctx);
    if (optima_version_number() / 10000 != OPTIMA_VERSION_MAJOR) return 1;
    std::printf("liboptima %s\n", optima_version_string());
    return 0;
}
