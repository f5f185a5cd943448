// The connectome family: a tanh rate network wired by a real connectome matrix file.
//
// W(target, source) = log1p(file weight), restricted to the names present on both axes (in the
// file's row order), autapses removed, optionally the most connected neurons only, each target's
// inputs normalised to unit norm, then scaled to the requested spectral radius. Signs: taken from
// the file when it has negative entries; otherwise from a cell table (GABA → inhibitory, purely
// cholinergic → excitatory, others random) when one is given; otherwise one random sign per source
// neuron (Dale's principle) with P(+) = excitatory_fraction.
#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <string>
#include <unordered_map>

#include "engine/io/csv.hpp"
#include "engine/sim/process.hpp"
#include "sbtg/io.hpp"

namespace sbtg::sim {

namespace {

// "DA01" → "DA1": the Cook et al. files zero-pad numbered cells, NemaNode does not.
std::string NormaliseCellName(const std::string& name) {
  size_t digits = name.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(name[digits - 1])) != 0) --digits;
  if (digits == 0 || digits == name.size()) return name;
  size_t first = digits;
  while (first + 1 < name.size() && name[first] == '0') ++first;
  return name.substr(0, digits) + name.substr(first);
}

Result<std::unordered_map<std::string, int>> IndexNames(const std::vector<std::string>& names,
                                                        const std::string& axis) {
  std::unordered_map<std::string, int> index;
  for (size_t k = 0; k < names.size(); ++k) {
    if (!index.emplace(names[k], static_cast<int>(k)).second) {
      return Status::ParseError("duplicate " + axis + " name '" + names[k] + "'");
    }
  }
  return index;
}

struct Wiring {
  std::vector<std::string> names;
  Eigen::MatrixXd w;  // [target, source], file values (sign included)
  long autapses = 0;
};

Result<Wiring> OrientFile(const NamedMatrix& f, bool rows_are_sources) {
  auto rows = IndexNames(f.row_names, "row");
  if (!rows.ok()) return rows.status();
  auto cols = IndexNames(f.col_names, "column");
  if (!cols.ok()) return cols.status();
  std::vector<int> row_of, col_of;
  Wiring out;
  for (size_t r = 0; r < f.row_names.size(); ++r) {
    const auto c = cols->find(f.row_names[r]);
    if (c == cols->end()) continue;
    out.names.push_back(f.row_names[r]);
    row_of.push_back(static_cast<int>(r));
    col_of.push_back(c->second);
  }
  const auto n = static_cast<Eigen::Index>(out.names.size());
  if (n < 2) return Status::InvalidArgument("fewer than 2 names appear on both axes");
  out.w.resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      // Rows are sources: the file is [source, target], so target j, source i is file(i, j).
      out.w(j, i) = rows_are_sources
                        ? f.values(row_of[static_cast<size_t>(i)], col_of[static_cast<size_t>(j)])
                        : f.values(row_of[static_cast<size_t>(j)], col_of[static_cast<size_t>(i)]);
    }
  }
  out.autapses = static_cast<long>((out.w.diagonal().array() != 0.0).count());
  out.w.diagonal().setZero();
  return out;
}

// Keeps the `k` neurons with the most connections (in + out), in file order.
void KeepMostConnected(Wiring& wiring, Eigen::Index k) {
  const Eigen::Index n = wiring.w.rows();
  if (k <= 0 || k >= n) return;
  const Eigen::MatrixXd nz = (wiring.w.array() != 0.0).cast<double>();
  const Eigen::VectorXd degree = nz.rowwise().sum() + nz.colwise().sum().transpose();
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return degree[a] > degree[b]; });
  order.resize(static_cast<size_t>(k));
  std::sort(order.begin(), order.end());
  Wiring kept;
  kept.autapses = wiring.autapses;
  kept.w.resize(k, k);
  for (Eigen::Index a = 0; a < k; ++a) {
    kept.names.push_back(wiring.names[static_cast<size_t>(order[static_cast<size_t>(a)])]);
    for (Eigen::Index b = 0; b < k; ++b) {
      kept.w(b, a) = wiring.w(order[static_cast<size_t>(b)], order[static_cast<size_t>(a)]);
    }
  }
  wiring = std::move(kept);
}

// Normalised cell name → neurotransmitter codes from a NemaNode-style cell table.
Result<std::map<std::string, std::string>> ReadTransmitters(const std::string& path) {
  io::CsvReader csv(path);
  if (!csv.ok()) return csv.status();
  std::vector<std::string> fields;
  if (!csv.Next(fields)) return Status::ParseError(path + ": empty file");
  const auto name_col = std::find(fields.begin(), fields.end(), "name") - fields.begin();
  const auto nt_col =
      std::find(fields.begin(), fields.end(), "neurotransmitter_codes") - fields.begin();
  if (name_col == static_cast<long>(fields.size()) || nt_col == static_cast<long>(fields.size())) {
    return csv.Error("header needs columns 'name' and 'neurotransmitter_codes'");
  }
  const auto width = std::max(name_col, nt_col);
  std::map<std::string, std::string> out;
  while (csv.Next(fields)) {
    if (static_cast<long>(fields.size()) <= width) return csv.Error("row has too few columns");
    out[NormaliseCellName(fields[static_cast<size_t>(name_col)])] =
        fields[static_cast<size_t>(nt_col)];
  }
  if (!csv.status().ok()) return csv.status();
  return out;
}

// One sign per source neuron. Every source draws one uniform whatever the rule, so the random part
// does not depend on which neurons the table covers.
Result<Eigen::VectorXd> SourceSigns(const SimOptions& o, const std::vector<std::string>& names,
                                    Rng& rng, nlohmann::json& meta) {
  std::map<std::string, std::string> table;
  if (!o.connectome_cell_types_path.empty()) {
    auto read = ReadTransmitters(o.connectome_cell_types_path);
    if (!read.ok()) return read.status().WithContext("SimOptions.connectome_cell_types_path");
    table = std::move(read.value());
  }
  Eigen::VectorXd sign(static_cast<Eigen::Index>(names.size()));
  long gaba = 0, cholinergic = 0, random = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const bool positive = Bernoulli(rng, o.excitatory_fraction);
    const auto it = table.find(NormaliseCellName(names[i]));
    const std::string codes = it == table.end() ? "" : it->second;
    double& s = sign[static_cast<Eigen::Index>(i)];
    if (codes.find('g') != std::string::npos) {
      s = -1.0;
      ++gaba;
    } else if (codes == "a") {
      s = 1.0;
      ++cholinergic;
    } else {
      s = positive ? 1.0 : -1.0;
      ++random;
    }
  }
  meta["sign_source"] = table.empty() ? "random per source neuron (Dale's principle)"
                                      : "cell table: GABA -> inhibitory, acetylcholine only -> "
                                        "excitatory, other/unknown -> random per source";
  meta["sources_by_sign_rule"] = {
      {"gaba_inhibitory", gaba}, {"cholinergic_excitatory", cholinergic}, {"random", random}};
  return sign;
}

// Signed, input-normalised weights [target, source] from the file's values.
Result<Eigen::MatrixXd> SignedWeights(const SimOptions& o, const Wiring& wiring, Rng& rng,
                                      nlohmann::json& info) {
  Eigen::MatrixXd w = wiring.w.cwiseAbs().array().log1p().matrix();
  if ((wiring.w.array() < 0.0).any()) {
    w = w.cwiseProduct(wiring.w.cwiseSign());
    info["sign_source"] = "file (signed matrix)";
  } else {
    auto sign = SourceSigns(o, wiring.names, rng, info);
    if (!sign.ok()) return sign.status();
    w = w * sign->asDiagonal();  // column i = source i
  }
  // Synaptic scaling: every target's input weights get unit norm before the global scale, so a few
  // hubs with thick synapses do not pin the network into a saturated fixed point (measured with
  // innovation sd 0.1: median per-neuron sd over 6 seeds 0.19–0.67 with it vs 0.16–0.60 without,
  // noise-only floor 0.115).
  for (Eigen::Index j = 0; j < w.rows(); ++j) {
    const double norm = w.row(j).norm();
    if (norm > 0.0) w.row(j) /= norm;
  }
  info["input_normalisation"] = "each target's input weights scaled to unit Euclidean norm";
  return w;
}

}  // namespace

Result<Model> BuildConnectome(const SimOptions& o, Rng& graph_rng) {
  auto file = ReadNamedMatrixCsv(o.connectome_path);
  if (!file.ok()) return file.status().WithContext("SimOptions.connectome_path");
  auto oriented = OrientFile(file.value(), o.connectome_rows_are_sources);
  if (!oriented.ok())
    return oriented.status().WithContext("SimOptions.connectome_path " + o.connectome_path);
  Wiring wiring = std::move(oriented.value());
  KeepMostConnected(wiring, o.connectome_max_neurons);
  nlohmann::json info = {{"path", o.connectome_path},
                         {"rows_are_sources", o.connectome_rows_are_sources},
                         {"autapses_removed", wiring.autapses},
                         {"weight", "log1p(|file value|)"}};
  auto signed_w = SignedWeights(o, wiring, graph_rng, info);
  if (!signed_w.ok()) return signed_w.status();
  Eigen::MatrixXd w = std::move(signed_w.value());
  nlohmann::json meta = {{"connectome", std::move(info)}};
  const Spectrum spectrum = ComputeSpectrum(w);
  bool fallback = false;
  const double scale = RadiusScale(w, spectrum.radius, o.spectral_radius, &fallback);
  meta["radius_fallback"] = fallback;
  AddRateRadiusMeta(spectrum, w, scale, o.gain, o.leak, meta);
  w *= scale;
  RateNetworkSpec spec = BaseRateSpec(o, w.rows(), graph_rng);
  spec.w1 = {std::move(w)};
  Model m = MakeRateNetwork(std::move(spec), std::move(meta));
  m.names = std::move(wiring.names);
  m.output_period = o.frame_period;
  return m;
}

}  // namespace sbtg::sim
