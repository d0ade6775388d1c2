# Helpers shared by every xp target: warnings on our code only, the LibTorch precompiled header,
# and one way to add a doctest suite with labels.

function(xp_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(XP_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# LibTorch's headers take ~20 s per translation unit to parse; xp_core precompiles them once and
# every other target that compiles LibTorch code reuses that header (GCC accepts it as long as the
# flags match, which xp_set_warnings and the shared include paths keep true).
function(xp_use_torch_pch target)
  if(XP_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()

# xp_reuse_torch_pch(target PLAIN a.cpp b.cpp): `target` includes xp_core's precompiled header in
# its sources except the PLAIN ones, which need no tensors and compile several times faster without.
function(xp_reuse_torch_pch target)
  cmake_parse_arguments(R "" "" "PLAIN" ${ARGN})
  if(XP_PCH)
    target_precompile_headers(${target} REUSE_FROM xp_core)
    set_source_files_properties(${R_PLAIN} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
endfunction()

# xp_add_test(NAME name LABELS unit SOURCES a.cpp [TORCH_SOURCES b.cpp] [LIBRARIES lib…])
# Builds one doctest executable and registers each TEST_CASE with ctest under the given labels.
# TORCH_SOURCES use LibTorch and get xp_core's precompiled header; SOURCES do not. LIBRARIES
# defaults to xp::core; a suite that only runs the xp binary links xp_base.
function(xp_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;TORCH_SOURCES;LABELS;LIBRARIES" ${ARGN})
  if(NOT T_LIBRARIES)
    set(T_LIBRARIES xp::core)
  endif()
  add_executable(${T_NAME} ${T_SOURCES} ${T_TORCH_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE xp_test_support ${T_LIBRARIES} doctest::doctest)
  target_compile_definitions(${T_NAME} PRIVATE XP_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  xp_set_warnings(${T_NAME})
  if(T_TORCH_SOURCES)
    xp_reuse_torch_pch(${T_NAME} PLAIN ${T_SOURCES})
  endif()
  doctest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}"
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
endfunction()
