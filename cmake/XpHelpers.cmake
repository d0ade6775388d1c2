# Helpers shared by every xp target: warnings on our code only, the LibTorch precompiled header,
# and one way to add a doctest suite with labels.

function(xp_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(XP_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# LibTorch's headers take ~20 s per translation unit to parse; one precompiled header per target
# brings that to a few seconds. Targets that don't touch tensors skip it.
function(xp_use_torch_pch target)
  if(XP_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()

# xp_add_test(NAME name SOURCES a.cpp b.cpp LABELS unit [TORCH])
# Builds one doctest executable and registers each TEST_CASE with ctest under the given labels.
function(xp_add_test)
  cmake_parse_arguments(T "TORCH" "NAME" "SOURCES;LABELS" ${ARGN})
  add_executable(${T_NAME} ${CMAKE_SOURCE_DIR}/tests/doctest_main.cpp ${CMAKE_SOURCE_DIR}/tests/test_support.cpp ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE xp::core doctest::doctest)
  target_include_directories(${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_definitions(${T_NAME} PRIVATE
    XP_SOURCE_DIR="${CMAKE_SOURCE_DIR}" XP_BINARY_DIR="${CMAKE_BINARY_DIR}")
  xp_set_warnings(${T_NAME})
  if(T_TORCH)
    xp_use_torch_pch(${T_NAME})
  endif()
  doctest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}"
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
endfunction()
