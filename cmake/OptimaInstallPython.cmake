# The Python package (bindings/python/optima) as the install component "python".
#
# OPTIMA_INSTALL_PYTHON=ON puts it in the default install; OFF (the default) leaves it to
# `cmake --install <build> --component python`. It goes to OPTIMA_INSTALL_PYTHONDIR under
# the prefix given at install time, with a generated optima/_install_paths.py that
# records where that install put liboptima, so that `import optima` finds the library
# without ldconfig or LD_LIBRARY_PATH (see bindings/python/optima/_locate.py), and a
# generated optima/_version.py with the version numbers (read from version.h by the
# project() call), since the installed package has no header to read them from.
option(OPTIMA_INSTALL_PYTHON "Install the Python package with the library" OFF)
if(NOT OPTIMA_BUILD_SHARED)
  if(OPTIMA_INSTALL_PYTHON)
    message(FATAL_ERROR "OPTIMA_INSTALL_PYTHON needs OPTIMA_BUILD_SHARED (the package loads liboptima.so)")
  endif()
  return()
endif()

# Debian's interpreter first, as for the binding tests: the one that sees python3-numpy.
find_program(OPTIMA_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT OPTIMA_PYTHON)
  find_program(OPTIMA_PYTHON NAMES python3)
endif()

# The interpreter's site-packages directory relative to an install prefix. Debian's
# default scheme (posix_local) places local installs under {base}/local, i.e. it maps the
# prefix /usr/local to /usr/local/lib/python3.X/dist-packages: substituting the prefix
# there means dropping that "local/" (so that --prefix /usr/local lands on sys.path).
set(optima_python_sitedir_script [=[
import sysconfig
scheme = sysconfig.get_default_scheme() if hasattr(sysconfig, "get_default_scheme") else None
path = sysconfig.get_path("purelib", scheme, vars={"base": "/@P@", "platbase": "/@P@"})
rel = path[len("/@P@/"):]
if scheme == "posix_local" and rel.startswith("local/"):
    rel = rel[len("local/"):]
print(rel)
]=])
if(OPTIMA_PYTHON AND NOT DEFINED CACHE{OPTIMA_INSTALL_PYTHONDIR})
  execute_process(COMMAND "${OPTIMA_PYTHON}" -c "${optima_python_sitedir_script}"
    OUTPUT_VARIABLE optima_python_sitedir OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE optima_python_sitedir_rc ERROR_QUIET)
  if(optima_python_sitedir_rc EQUAL 0 AND optima_python_sitedir)
    set(OPTIMA_INSTALL_PYTHONDIR "${optima_python_sitedir}" CACHE STRING
      "Where the Python package goes, relative to the install prefix (or absolute)")
  endif()
endif()
if(NOT OPTIMA_INSTALL_PYTHONDIR)
  if(OPTIMA_INSTALL_PYTHON)
    message(FATAL_ERROR "OPTIMA_INSTALL_PYTHON: no python3 found to ask for its site-packages "
                        "directory; set OPTIMA_PYTHON or OPTIMA_INSTALL_PYTHONDIR")
  endif()
  return()
endif()

set(optima_python_exclude)
if(NOT OPTIMA_INSTALL_PYTHON)
  set(optima_python_exclude EXCLUDE_FROM_ALL)
endif()
install(DIRECTORY "${PROJECT_SOURCE_DIR}/bindings/python/optima"
  DESTINATION "${OPTIMA_INSTALL_PYTHONDIR}"
  COMPONENT python ${optima_python_exclude}
  FILES_MATCHING PATTERN "*.py" PATTERN "py.typed" PATTERN "__pycache__" EXCLUDE)
install(CODE "
  set(OPTIMA_PY_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(OPTIMA_PY_SITEDIR \"${OPTIMA_INSTALL_PYTHONDIR}\")
  set(OPTIMA_PY_STAGING \"${PROJECT_BINARY_DIR}/python-install\")
  set(OPTIMA_PY_VERSION \"${PROJECT_VERSION_MAJOR}, ${PROJECT_VERSION_MINOR}, ${PROJECT_VERSION_PATCH}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/OptimaWritePythonPaths.cmake\")"
  COMPONENT python ${optima_python_exclude})
