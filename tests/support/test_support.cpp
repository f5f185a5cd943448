#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "sbtg/data_dir.hpp"

namespace sbtg::testing {

std::optional<std::filesystem::path> SharedDataOrSkip(const std::string& subfolder) {
  const std::filesystem::path dir = DataDir(SBTG_SOURCE_DIR) / subfolder;
  if (std::filesystem::exists(dir)) return dir;
  const char* require = std::getenv("SBTG_REQUIRE_DATA");
  if (require != nullptr && std::string(require) == "1") {
    FAIL("shared data directory " << dir << " is absent but SBTG_REQUIRE_DATA=1");
  }
  MESSAGE("skipping: shared data directory " << dir << " is absent (set SBTG_DATA_DIR)");
  return std::nullopt;
}

bool SmallScale() {
  const char* scale = std::getenv("SBTG_TEST_SCALE");
  return scale != nullptr && std::string(scale) == "small";
}

std::filesystem::path ScratchDir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(SBTG_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::filesystem::path ToolPath(const std::string& name) {
  return std::filesystem::path(SBTG_BINARY_DIR) / "tools" / name / name;
}

}  // namespace sbtg::testing
