cmake_policy(VERSION 3.25)
# Compare the built library's ABI with the committed baseline (libabigail's abidiff).
# Inputs: ABIDIFF, BASELINE (abidw XML), LIBRARY, HEADERS (the public header directory),
# SUPPRESSIONS (size-prefixed.suppr: members appended to a size-prefixed struct pass).
#
# Added functions pass (--no-added-syms keeps them out of the verdict). Any other change
# fails: removed or changed symbols (abidiff bit 3, ABIDIFF_ABI_INCOMPATIBLE_CHANGE = 8)
# and changes of public types reachable from exported functions (bit 2,
# ABIDIFF_ABI_CHANGE = 4, "harmful: needs review"), e.g. a member added to a frozen
# struct. Types defined outside the public headers (the opaque handles' private
# definitions, internal structs) are filtered with --headers-dir, so private layouts may
# change freely. Bits 0 and 1 (tool or usage error) fail too.
execute_process(
  COMMAND "${ABIDIFF}" --no-added-syms --hd1 "${HEADERS}" --hd2 "${HEADERS}"
          --suppressions "${SUPPRESSIONS}" "${BASELINE}" "${LIBRARY}"
  OUTPUT_VARIABLE report ERROR_VARIABLE errors RESULT_VARIABLE rc)
execute_process(COMMAND readelf -S "${LIBRARY}" OUTPUT_VARIABLE sections)
if(NOT sections MATCHES "\\.debug_info")
  message("note: ${LIBRARY} has no debug info: only its symbols were compared "
          "(types are compared in RelWithDebInfo and Debug builds)")
endif()
if(NOT rc EQUAL 0)
  math(EXPR incompatible "${rc} & 8")
  math(EXPR changed "${rc} & 4")
  if(incompatible)
    set(kind "an incompatible ABI change (a symbol removed or changed)")
  elseif(changed)
    set(kind "an ABI change of a public type that needs review")
  else()
    set(kind "abidiff failed (exit code ${rc})")
  endif()
  message(FATAL_ERROR "${kind} against ${BASELINE}:\n${report}${errors}\n"
          "If a symbol was added on purpose, this test passes; if the change is really "
          "intended and compatible, regenerate the baseline (docs/ABI.md: the abi-baseline target).")
endif()
message("ABI compatible with ${BASELINE}\n${report}")
