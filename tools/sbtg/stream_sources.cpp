#include "tools/sbtg/stream_sources.hpp"

#include "adapters/replay/replay_source.hpp"
#include "adapters/sim/sim_source.hpp"
#include "adapters/zmq/zmq_source.hpp"

namespace sbtg::cli {

namespace {

template <typename T>
Result<std::unique_ptr<Source>> Upcast(Result<std::unique_ptr<T>> r) {
  if (!r.ok()) return r.status();
  return std::unique_ptr<Source>(std::move(*r));
}

}  // namespace

Result<std::unique_ptr<Source>> MakeSource(const std::string& text) {
  auto spec = ParseSourceSpec(text);
  if (!spec.ok()) return spec.status();
  if (spec->kind == "replay") return Upcast(adapters::ReplaySource::FromSpec(*spec));
  if (spec->kind == "sim") return Upcast(adapters::SimSource::FromSpec(*spec));
  if (spec->kind == "zmq") return Upcast(adapters::ZmqSource::FromSpec(*spec));
  return Status::InvalidArgument("--source: unknown kind '" + spec->kind + "' (expected replay, sim or zmq)");
}

}  // namespace sbtg::cli
