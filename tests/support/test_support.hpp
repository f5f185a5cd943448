// Helpers shared by the tests: where the real data are, how large statistical tests may be.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sbtg::testing {

// The shared data directory, or nullopt (with a MESSAGE saying why the test skips) when absent.
// When SBTG_REQUIRE_DATA=1 (CI), an absent directory fails the calling test instead.
std::optional<std::filesystem::path> SharedDataOrSkip(const std::string& subfolder = "");

// True under the sanitizer preset (SBTG_TEST_SCALE=small): statistical tests use fewer seeds.
bool SmallScale();

// A fresh empty directory under the build tree for one test's files.
std::filesystem::path ScratchDir(const std::string& name);

// Path of a tool built by this project (e.g. "sbtg"), under the build tree.
std::filesystem::path ToolPath(const std::string& name);

}  // namespace sbtg::testing
