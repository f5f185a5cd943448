#include "adapters/sim/sim_source.hpp"

#include <string>

namespace sbtg::adapters {

Result<std::unique_ptr<SimSource>> SimSource::Create(const SimOptions& sim, const ReplayOptions& play) {
  auto s = Simulate(sim);
  if (!s.ok()) return s.status();
  ReplayOptions p = play;
  if (p.description.empty()) {
    p.description = "sim " + std::string(ToString(sim.family)) + " n=" + std::to_string(s->recording.n());
  }
  auto player = ReplaySource::Create(std::move(s->recording), p);
  if (!player.ok()) return player.status();
  return std::unique_ptr<SimSource>(new SimSource(sim, std::move(s->truth), std::move(*player)));
}

Result<std::unique_ptr<SimSource>> SimSource::FromSpec(const SourceSpec& spec) {
  SBTG_RETURN_IF_ERROR(spec.CheckKeys({"n", "rate", "speed", "frames", "seed", "density", "gain", "leak", "noise",
                                       "order", "spectral_radius", "segments", "loop"}));
  SimOptions o;
  auto family = ParseSimFamily(spec.target);
  if (!family.ok()) return family.status().WithContext("--source sim");
  o.family = *family;
  o.frames = 20000;
  auto get_int = [&](const char* key, auto& field) -> Status {
    auto v = SpecInt(spec, key, static_cast<std::int64_t>(field));
    if (!v.ok()) return v.status();
    field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
    return Status::Ok();
  };
  auto get_double = [&](const char* key, double& field) -> Status {
    auto v = SpecDouble(spec, key, field);
    if (!v.ok()) return v.status();
    field = *v;
    return Status::Ok();
  };
  SBTG_RETURN_IF_ERROR(get_int("n", o.n));
  SBTG_RETURN_IF_ERROR(get_int("frames", o.frames));
  SBTG_RETURN_IF_ERROR(get_int("seed", o.seed));
  SBTG_RETURN_IF_ERROR(get_int("order", o.order));
  SBTG_RETURN_IF_ERROR(get_int("segments", o.segments));
  SBTG_RETURN_IF_ERROR(get_double("density", o.density));
  SBTG_RETURN_IF_ERROR(get_double("gain", o.gain));
  SBTG_RETURN_IF_ERROR(get_double("leak", o.leak));
  SBTG_RETURN_IF_ERROR(get_double("noise", o.noise));
  SBTG_RETURN_IF_ERROR(get_double("spectral_radius", o.spectral_radius));
  double rate = 20.0;
  SBTG_RETURN_IF_ERROR(get_double("rate", rate));
  if (!(rate > 0)) return Status::InvalidArgument("--source sim: rate must be > 0 frames per second");
  o.frame_period = 1.0 / rate;
  SBTG_RETURN_IF_ERROR(o.Validate().WithContext("--source sim"));
  ReplayOptions play;
  if (spec.Get("speed", "1") == "fast") {
    play.speed = 0;
  } else {
    SBTG_RETURN_IF_ERROR(get_double("speed", play.speed));
  }
  SBTG_RETURN_IF_ERROR(get_int("loop", play.loops));
  return Create(o, play);
}

}  // namespace sbtg::adapters
