// Where the shared real datasets live: $SBTG_DATA_DIR, default "<source tree>/../shared/data".
#pragma once

#include <filesystem>

namespace sbtg {

// The data directory; `source_dir` is the repository root (tests pass their compile-time root).
std::filesystem::path DataDir(const std::filesystem::path& source_dir);

}  // namespace sbtg
