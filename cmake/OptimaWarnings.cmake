# Warning flags for liboptima's own targets, and the sanitizer switch.
function(optima_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wformat=2 -Wvla)
  if(OPTIMA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(OPTIMA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(OPTIMA_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# Fuzzing builds instrument the library for coverage and memory errors; the fuzz targets
# add libFuzzer's main themselves (tests/fuzz).
if(OPTIMA_BUILD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
