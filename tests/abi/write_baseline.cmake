cmake_policy(VERSION 3.25)
# Write the ABI baseline of LIBRARY to OUTPUT with abidw, keeping only what a comparison
# needs: no corpus path, header paths relative to the source tree (so that the file does
# not depend on where the tree was built; abidiff's --headers-dir matches base names).
# Inputs: ABIDW, LIBRARY, HEADERS, SOURCE_DIR, OUTPUT, COMPILER_ID, BUILD_TYPE, SANITIZE.
if(NOT COMPILER_ID STREQUAL "GNU" OR NOT BUILD_TYPE STREQUAL "RelWithDebInfo" OR SANITIZE)
  message(FATAL_ERROR "make the ABI baseline from a gcc RelWithDebInfo build without "
          "sanitizers (this one: ${COMPILER_ID} ${BUILD_TYPE}, OPTIMA_SANITIZE=${SANITIZE})")
endif()
execute_process(COMMAND "${ABIDW}" --headers-dir "${HEADERS}" --no-corpus-path "${LIBRARY}"
  OUTPUT_VARIABLE xml RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "abidw failed on ${LIBRARY}")
endif()
string(REPLACE "${SOURCE_DIR}/" "" xml "${xml}")
file(WRITE "${OUTPUT}" "${xml}")
message("wrote ${OUTPUT}")
