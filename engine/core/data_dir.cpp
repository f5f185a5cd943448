#include "sbtg/data_dir.hpp"

#include <cstdlib>

namespace sbtg {

std::filesystem::path DataDir(const std::filesystem::path& source_dir) {
  if (const char* env = std::getenv("SBTG_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return source_dir / ".." / "shared" / "data";
}

}  // namespace sbtg
