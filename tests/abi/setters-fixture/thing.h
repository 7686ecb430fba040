/* A header that breaks the rule on purpose: the check must refuse it. Only a comment
 * names optima_thing_get_size(), which does not count. */
#include <stddef.h>
typedef struct optima_thing optima_thing;
int optima_thing_set_name(optima_thing *t, const char *name);
int optima_thing_get_name(const optima_thing *t, const char **name);
int optima_thing_set_size(optima_thing *t, size_t size);
