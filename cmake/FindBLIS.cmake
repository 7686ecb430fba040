# FindBLIS
# --------
# Finds BLIS (https://github.com/flame/blis) and defines the imported target BLIS::BLIS.
#
# Looks first through pkg-config (module `blis`), then for blis.h and libblis in the usual
# places (Debian's libblis-dev puts blis.h in the multiarch include directory). Set
# BLIS_ROOT to point at a custom installation.
#
# Result variables: BLIS_FOUND, BLIS_INCLUDE_DIRS, BLIS_LIBRARIES, BLIS_VERSION (when the
# pkg-config file gives it).

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_BLIS QUIET blis)
endif()

find_path(BLIS_INCLUDE_DIR NAMES blis.h blis/blis.h
  HINTS ${PC_BLIS_INCLUDEDIR} ${PC_BLIS_INCLUDE_DIRS}
  PATH_SUFFIXES blis)
find_library(BLIS_LIBRARY NAMES blis blis-mt
  HINTS ${PC_BLIS_LIBDIR} ${PC_BLIS_LIBRARY_DIRS})

if(PC_BLIS_VERSION)
  set(BLIS_VERSION "${PC_BLIS_VERSION}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BLIS
  REQUIRED_VARS BLIS_LIBRARY BLIS_INCLUDE_DIR
  VERSION_VAR BLIS_VERSION)

if(BLIS_FOUND)
  set(BLIS_INCLUDE_DIRS "${BLIS_INCLUDE_DIR}")
  set(BLIS_LIBRARIES "${BLIS_LIBRARY}")
  if(NOT TARGET BLIS::BLIS)
    add_library(BLIS::BLIS UNKNOWN IMPORTED)
    set_target_properties(BLIS::BLIS PROPERTIES
      IMPORTED_LOCATION "${BLIS_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${BLIS_INCLUDE_DIR}")
    find_package(Threads QUIET)
    if(Threads_FOUND)
      set_property(TARGET BLIS::BLIS APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
    endif()
  endif()
endif()
mark_as_advanced(BLIS_INCLUDE_DIR BLIS_LIBRARY)
