# Writes build_info.cpp with the git commit and dirty flag, re-run on every build; the file is only
# rewritten when its content changes, so an unchanged tree does not relink.
execute_process(COMMAND git -C ${SOURCE_DIR} rev-parse HEAD OUTPUT_VARIABLE sha
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE sha_rc)
if(NOT sha_rc EQUAL 0)
  set(sha "unknown")
endif()
execute_process(COMMAND git -C ${SOURCE_DIR} status --porcelain --untracked-files=no OUTPUT_VARIABLE status
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(status STREQUAL "")
  set(dirty "false")
else()
  set(dirty "true")
endif()
set(content "// Generated at build time by cmake/BuildInfo.cmake.
namespace xp::build {
extern const char* const kGitSha; extern const bool kGitDirty; extern const char* const kVersion;
extern const char* const kCompiler; extern const char* const kBuildType;
const char* const kGitSha = \"${sha}\";
const bool kGitDirty = ${dirty};
const char* const kVersion = \"${XP_VERSION}\";
const char* const kCompiler = \"${CXX_ID} ${CXX_VERSION}\";
const char* const kBuildType = \"${BUILD_TYPE}\";
}
")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
else()
  set(old "")
endif()
if(NOT old STREQUAL content)
  file(WRITE ${OUTPUT} "${content}")
endif()
