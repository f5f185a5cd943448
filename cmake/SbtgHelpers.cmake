# Shared build settings for every sbtg target: warnings as errors, sanitizers, architecture flags.

add_library(sbtg_build_flags INTERFACE)
# Lets tests forbid Eigen heap allocation around hot paths (checked where assertions are enabled:
# the debug, asan and tsan presets keep assertions on).
target_compile_definitions(sbtg_build_flags INTERFACE EIGEN_RUNTIME_NO_MALLOC)
target_compile_options(sbtg_build_flags INTERFACE -Wall -Wextra -Wpedantic -Werror
                       # Eigen and libstdc++ string code trip these false positives on g++ 12.
                       -Wno-maybe-uninitialized -Wno-array-bounds -Wno-stringop-overflow
                       -Wno-restrict)
if(SBTG_NATIVE)
  # -Wuninitialized: g++ 12's AVX-512 intrinsics headers trigger it falsely (GCC bug 105593).
  target_compile_options(sbtg_build_flags INTERFACE -march=native -Wno-uninitialized)
endif()
if(SBTG_SANITIZE)
  target_compile_options(sbtg_build_flags INTERFACE -fsanitize=${SBTG_SANITIZE} -fno-omit-frame-pointer
                         -fno-sanitize-recover=all)
  target_link_options(sbtg_build_flags INTERFACE -fsanitize=${SBTG_SANITIZE})
  if(SBTG_SANITIZE MATCHES "thread")
    # moodycamel::ConcurrentQueue orders with std::atomic_thread_fence, which ThreadSanitizer does
    # not model (g++ warns with -Wtsan): a report inside the queue itself may be a false positive.
    target_compile_options(sbtg_build_flags INTERFACE -Wno-tsan)
  endif()
endif()

# sbtg_library(<name> SOURCES ... [DEPS ...]) -> static library sbtg_<name>, alias sbtg::<name>.
function(sbtg_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(sbtg_${name} STATIC ${ARG_SOURCES})
  add_library(sbtg::${name} ALIAS sbtg_${name})
  target_include_directories(sbtg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
  target_link_libraries(sbtg_${name} PUBLIC ${ARG_DEPS} PRIVATE sbtg_build_flags)
endfunction()

# sbtg_executable(<name> SOURCES ... [DEPS ...])
function(sbtg_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} sbtg_build_flags)
endfunction()
