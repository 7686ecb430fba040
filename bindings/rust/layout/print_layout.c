/* Prints the size and member offsets of every frozen public struct, one "name value" per
 * line, as this compiler lays them out. The Rust binding's layout test compares its own
 * #[repr(C)] mirrors with these numbers. */
#include <optima/optima.h>

#include <stddef.h>
#include <stdio.h>

#define SIZE(T) printf("%s %zu\n", #T, sizeof(T))
#define OFFSET(T, m) printf("%s.%s %zu\n", #T, #m, offsetof(T, m))

int main(void)
{
    SIZE(optima_tensor);
    OFFSET(optima_tensor, data);
    OFFSET(optima_tensor, rows);
    OFFSET(optima_tensor, cols);
    OFFSET(optima_tensor, row_stride);
    SIZE(optima_allocator);
    OFFSET(optima_allocator, struct_size);
    OFFSET(optima_allocator, reserved);
    OFFSET(optima_allocator, user);
    OFFSET(optima_allocator, alloc);
    OFFSET(optima_allocator, free);
    SIZE(optima_layer_ref);
    OFFSET(optima_layer_ref, side);
    OFFSET(optima_layer_ref, module);
    OFFSET(optima_layer_ref, layer);
    OFFSET(optima_layer_ref, width);
    SIZE(optima_callbacks);
    OFFSET(optima_callbacks, struct_size);
    OFFSET(optima_callbacks, reserved);
    OFFSET(optima_callbacks, next_batch);
    OFFSET(optima_callbacks, forward);
    OFFSET(optima_callbacks, backward);
    OFFSET(optima_callbacks, optimizer_step);
    OFFSET(optima_callbacks, evaluate);
    OFFSET(optima_callbacks, round_end);
    return 0;
}
