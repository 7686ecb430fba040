# Run by `cmake --install` (component "python", see OptimaInstallPython.cmake): writes
# optima/_install_paths.py, the library directory of this install, for the installed
# Python package to find liboptima.so.1 there, and optima/_version.py, the version numbers
# (the source tree's _version.py reads them from include/optima/version.h, absent here). Paths are those of the final prefix
# (CMAKE_INSTALL_PREFIX at install time, without DESTDIR, which only stages the files).
cmake_path(ABSOLUTE_PATH OPTIMA_PY_LIBDIR BASE_DIRECTORY "${CMAKE_INSTALL_PREFIX}" NORMALIZE
           OUTPUT_VARIABLE optima_libdir)
cmake_path(ABSOLUTE_PATH OPTIMA_PY_SITEDIR BASE_DIRECTORY "${CMAKE_INSTALL_PREFIX}" NORMALIZE
           OUTPUT_VARIABLE optima_sitedir)
file(RELATIVE_PATH optima_libdir_from_package "${optima_sitedir}/optima" "${optima_libdir}")
string(REGEX REPLACE "(.)/$" "\\1" optima_libdir_from_package "${optima_libdir_from_package}")

function(optima_python_string out value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()
optima_python_string(optima_abs "${optima_libdir}")
optima_python_string(optima_rel "${optima_libdir_from_package}")
file(WRITE "${OPTIMA_PY_STAGING}/_install_paths.py"
"\"\"\"Written by cmake --install: where that install put liboptima. Do not edit.\"\"\"

#: The library directory, absolute.
LIBRARY_DIR = ${optima_abs}
#: The same, relative to this package's directory (tried first: survives a moved prefix).
LIBRARY_DIR_FROM_PACKAGE = ${optima_rel}
")
file(WRITE "${OPTIMA_PY_STAGING}/_version.py"
"\"\"\"Written by cmake --install from include/optima/version.h. Do not edit.\"\"\"

#: (major, minor, patch) of the library this package was written for.
VERSION_TUPLE = (${OPTIMA_PY_VERSION})
")
file(INSTALL DESTINATION "${optima_sitedir}/optima" TYPE FILE
     FILES "${OPTIMA_PY_STAGING}/_install_paths.py" "${OPTIMA_PY_STAGING}/_version.py")
