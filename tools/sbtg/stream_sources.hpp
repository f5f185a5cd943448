// Source specifications for `sbtg stream` and the live demo: "replay:…", "sim:…", "zmq:…" → a Source
// from the matching adapter (docs/streaming.md lists every key).
#pragma once

#include <memory>
#include <string>

#include "sbtg/stream.hpp"

namespace sbtg::cli {

Result<std::unique_ptr<Source>> MakeSource(const std::string& spec);

}  // namespace sbtg::cli
