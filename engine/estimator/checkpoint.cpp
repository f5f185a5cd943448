#include "engine/estimator/checkpoint.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace sbtg::est {

namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints are written little-endian");
constexpr const char* kMagic = "SBTGCKPT1";

nlohmann::json BlocksJson(const ScoreModel& model) {
  nlohmann::json blocks = nlohmann::json::array();
  for (const auto& b : model.layout().blocks()) blocks.push_back({{"name", b.name}, {"rows", b.rows}, {"cols", b.cols}});
  return blocks;
}

template <typename T>
void AppendRaw(std::string& out, const T* data, Eigen::Index count) {
  out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(count) * sizeof(T));
}

Status Damaged(const std::filesystem::path& file, const std::string& why) {
  return Status::ParseError(file.string() + ": not a valid sbtg checkpoint: " + why);
}

Result<ModelOptions> ModelFromJson(const nlohmann::json& m) {
  ModelOptions o;
  auto kind = ParseScoreModelKind(m.at("kind").get<std::string>());
  if (!kind.ok()) return kind.status();
  o.kind = *kind;
  o.hidden = m.at("hidden").get<int>();
  o.feature_hidden = m.at("feature_hidden").get<int>();
  o.regimes = m.at("regimes").get<int>();
  o.ridge = m.at("ridge").get<double>();
  if (o.hidden < 1 || o.feature_hidden < 1 || o.regimes < 1) return Status::ParseError("model sizes must be >= 1");
  return o;
}

Result<Checkpoint> Parse(const std::filesystem::path& file, const std::string& bytes) {
  const auto l1 = bytes.find('\n');
  if (l1 == std::string::npos || bytes.compare(0, l1, kMagic) != 0) return Damaged(file, "missing SBTGCKPT1 line");
  const auto l2 = bytes.find('\n', l1 + 1);
  if (l2 == std::string::npos) return Damaged(file, "missing header line");
  const auto h = nlohmann::json::parse(bytes.begin() + static_cast<long>(l1) + 1, bytes.begin() + static_cast<long>(l2),
                                       nullptr, false);
  if (h.is_discarded() || h.value("format", "") != "sbtg.checkpoint") return Damaged(file, "header is not JSON");
  if (h.value("version", 0) != 1) return Damaged(file, "unsupported version " + h.value("version", nlohmann::json()).dump());
  auto options = ModelFromJson(h.at("model"));
  if (!options.ok()) return options.status().WithContext(file.string());
  const auto n = h.at("n").get<Eigen::Index>();
  const int order = h.at("order").get<int>();
  if (n < 1 || order < 1) return Damaged(file, "n and order must be >= 1");
  Checkpoint c;
  c.model = std::make_unique<ScoreModel>(*options, n, order, 0);
  if (h.at("blocks") != BlocksJson(*c.model)) return Damaged(file, "parameter blocks do not match the model options");
  const Eigen::Index count = c.model->params().size();
  const bool has_std = h.at("standardization").get<bool>();
  const size_t need = static_cast<size_t>(count) * 4 + (has_std ? static_cast<size_t>(n) * 16 : 0);
  const size_t body = bytes.size() - l2 - 1;
  if (body != need) {
    return Damaged(file, "body has " + std::to_string(body) + " bytes, expected " + std::to_string(need));
  }
  const char* p = bytes.data() + l2 + 1;
  std::memcpy(c.model->params().data(), p, static_cast<size_t>(count) * 4);
  if (!c.model->params().allFinite()) return Damaged(file, "parameters contain NaN/Inf");
  if (has_std) {
    c.mean.resize(n);
    c.scale.resize(n);
    std::memcpy(c.mean.data(), p + count * 4, static_cast<size_t>(n) * 8);
    std::memcpy(c.scale.data(), p + count * 4 + n * 8, static_cast<size_t>(n) * 8);
    if (!c.mean.allFinite() || !(c.scale.array() > 0).all()) return Damaged(file, "standardization is not finite/positive");
  }
  c.meta = h.value("meta", nlohmann::json::object());
  return c;
}

}  // namespace

Status SaveCheckpoint(const std::filesystem::path& file, const ScoreModel& model, const Eigen::VectorXd* mean,
                      const Eigen::VectorXd* scale, const nlohmann::json& meta) {
  if ((mean == nullptr) != (scale == nullptr)) return Status::InvalidArgument("checkpoint: give both mean and scale, or neither");
  if (mean != nullptr && (mean->size() != model.n() || scale->size() != model.n())) {
    return Status::InvalidArgument("checkpoint: mean/scale must have n = " + std::to_string(model.n()) + " entries");
  }
  const ModelOptions& o = model.options();
  const nlohmann::json header = {
      {"format", "sbtg.checkpoint"},
      {"version", 1},
      {"model",
       {{"kind", ToString(o.kind)}, {"hidden", o.hidden}, {"feature_hidden", o.feature_hidden}, {"regimes", o.regimes},
        {"ridge", o.ridge}}},
      {"n", model.n()},
      {"order", model.order()},
      {"parameters", model.params().size()},
      {"blocks", BlocksJson(model)},
      {"standardization", mean != nullptr},
      {"meta", meta},
  };
  std::string out = std::string(kMagic) + "\n" + header.dump() + "\n";
  AppendRaw(out, model.params().data(), model.params().size());
  if (mean != nullptr) {
    AppendRaw(out, mean->data(), mean->size());
    AppendRaw(out, scale->data(), scale->size());
  }
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  if (!f) return Status::IoError(file.string() + ": cannot open for writing");
  f.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!f) return Status::IoError(file.string() + ": write failed");
  return Status::Ok();
}

Result<Checkpoint> LoadCheckpoint(const std::filesystem::path& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) return Status::IoError(file.string() + ": cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  try {
    return Parse(file, bytes);
  } catch (const nlohmann::json::exception& e) {
    return Damaged(file, std::string("header field: ") + e.what());
  }
}

}  // namespace sbtg::est
