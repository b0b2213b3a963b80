# Build options shared by every target: warnings, sanitizers, fuzzing.

option(LIMEN_WERROR "Treat compiler warnings as errors (CI turns this on)" OFF)
option(LIMEN_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
# Development: dissector folders to leave out of this build (e.g. one being written).
set(LIMEN_SKIP_DISSECTORS "" CACHE STRING "Dissector folders to leave out (list)")

# A build type of its own for the sanitizer run: scripts/test builds it beside the normal one.
# The flags are added as options, not through CMAKE_CXX_FLAGS_SANITIZE: CMake creates that cache
# entry empty for an unknown build type before this file runs, and a cached default would never
# take effect (the "sanitizer" build then had no sanitizer at all).
set(LIMEN_SANITIZE OFF)
if(CMAKE_BUILD_TYPE STREQUAL "Sanitize")
  set(LIMEN_SANITIZE ON)
  # GCC 12 reports maybe-uninitialized inside libstdc++'s std::regex and std::function under
  # ASan at -O1, in code it does not warn about otherwise: false positives, not ours to fix.
  add_compile_options(-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
                      -fno-sanitize-recover=all -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=address,undefined)
endif()
# ThreadSanitizer, for what crosses threads: the workers, the dispatcher and the output stage.
if(CMAKE_BUILD_TYPE STREQUAL "ThreadSanitize")
  set(LIMEN_SANITIZE ON)
  add_compile_options(-O1 -g -fno-omit-frame-pointer -fsanitize=thread -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=thread)
endif()

add_library(limen_warnings INTERFACE)
target_compile_options(limen_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${LIMEN_WERROR}>:-Werror>)

# In the fuzz build every library carries coverage instrumentation, or libFuzzer runs blind.
if(LIMEN_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# limen_add_fuzzer(NAME SOURCE LIBS...): a libFuzzer binary, built only with LIMEN_FUZZ=ON.
function(limen_add_fuzzer name source)
  if(NOT LIMEN_FUZZ)
    return()
  endif()
  add_executable(${name} ${source})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${ARGN} limen_warnings)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  set_property(GLOBAL APPEND PROPERTY LIMEN_FUZZERS ${name})
endfunction()
