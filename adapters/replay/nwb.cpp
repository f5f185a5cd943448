// NWB RoiResponseSeries reader on the HDF5 C library (Debian's libhdf5-dev).
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "adapters/replay/replay_source.hpp"

namespace sbtg::adapters {

namespace {

// Closes an HDF5 identifier on scope exit.
class H5Id {
 public:
  H5Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~H5Id() {
    if (id_ >= 0) close_(id_);
  }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Silences HDF5's automatic error printing while reading (errors become Status messages instead).
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

std::string StringAttribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return "";
  const H5Id attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) return "";
  const H5Id type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    const H5Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    char* value = nullptr;
    if (H5Aread(attr.get(), mem.get(), &value) < 0 || value == nullptr) return "";
    std::string out(value);
    H5free_memory(value);
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  std::string out(size, '\0');
  if (H5Aread(attr.get(), type.get(), out.data()) < 0) return "";
  out.resize(std::strlen(out.c_str()));
  return out;
}

struct VisitState {
  std::vector<std::string> series;  // paths relative to /processing/ophys
};

herr_t Visit(hid_t obj, const char* name, const H5O_info_t* info, void* op) {
  if (info->type != H5O_TYPE_GROUP) return 0;
  const H5Id group(H5Oopen(obj, name, H5P_DEFAULT), H5Oclose);
  if (group.ok() && StringAttribute(group.get(), "neurodata_type") == "RoiResponseSeries") {
    static_cast<VisitState*>(op)->series.emplace_back(name);
  }
  return 0;
}

Result<Eigen::MatrixXd> ReadDataset(hid_t group, const char* name, int want_rank, const std::string& where) {
  if (H5Lexists(group, name, H5P_DEFAULT) <= 0) return Status::NotFound(where + ": no dataset '" + name + "'");
  const H5Id ds(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) return Status::IoError(where + ": cannot open dataset '" + name + "'");
  const H5Id space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != want_rank) {
    return Status::InvalidArgument(where + "/" + name + ": rank " + std::to_string(rank) + ", expected " +
                                   std::to_string(want_rank));
  }
  hsize_t dims[2] = {1, 1};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  const H5Id type(H5Dget_type(ds.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_FLOAT && H5Tget_class(type.get()) != H5T_INTEGER) {
    return Status::InvalidArgument(where + "/" + name + ": not a numeric dataset");
  }
  // HDF5 stores row-major: read into a row-major buffer, then copy.
  const auto rows = static_cast<Eigen::Index>(dims[0]);
  const auto cols = want_rank == 2 ? static_cast<Eigen::Index>(dims[1]) : 1;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> buf(rows, cols);
  if (rows > 0 && H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) {
    return Status::IoError(where + "/" + name + ": read failed");
  }
  return Eigen::MatrixXd(buf);
}

double DoubleAttribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return 0.0;
  const H5Id attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  double v = 0.0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) < 0) return 0.0;
  return v;
}

Result<std::string> PickSeries(const std::vector<std::string>& found, const std::string& want, const std::string& file) {
  if (found.empty()) return Status::NotFound(file + ": no RoiResponseSeries under /processing/ophys");
  if (want.empty()) {
    if (found.size() == 1) return found.front();
    std::string list;
    for (const auto& s : found) list += (list.empty() ? "" : ", ") + s;
    return Status::InvalidArgument(file + ": several RoiResponseSeries (" + list + "); choose one with series=NAME");
  }
  for (const auto& s : found) {
    const auto slash = s.rfind('/');
    if (s == want || (slash != std::string::npos && s.substr(slash + 1) == want)) return s;
  }
  return Status::NotFound(file + ": no RoiResponseSeries named '" + want + "'");
}

}  // namespace

Result<Recording> ReadNwbRoiResponseSeries(const std::filesystem::path& file, const std::string& series) {
  const QuietHdf5 quiet;
  const std::string where = file.string();
  const H5Id f(H5Fopen(where.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.ok()) return Status::IoError(where + ": cannot open as HDF5/NWB");
  if (H5Lexists(f.get(), "/processing", H5P_DEFAULT) <= 0 ||
      H5Lexists(f.get(), "/processing/ophys", H5P_DEFAULT) <= 0) {
    return Status::NotFound(where + ": no /processing/ophys module");
  }
  const H5Id ophys(H5Gopen2(f.get(), "/processing/ophys", H5P_DEFAULT), H5Gclose);
  VisitState state;
  if (H5Ovisit(ophys.get(), H5_INDEX_NAME, H5_ITER_NATIVE, Visit, &state) < 0) {
    return Status::IoError(where + ": cannot walk /processing/ophys");
  }
  auto pick = PickSeries(state.series, series, where);
  if (!pick.ok()) return pick.status();
  const std::string path = where + ":/processing/ophys/" + *pick;
  const H5Id group(H5Gopen2(ophys.get(), pick->c_str(), H5P_DEFAULT), H5Gclose);
  auto data = ReadDataset(group.get(), "data", 2, path);
  if (!data.ok()) return data.status();
  Recording rec;
  Segment seg;
  seg.label = pick->substr(pick->rfind('/') == std::string::npos ? 0 : pick->rfind('/') + 1);
  seg.x = std::move(*data);
  for (Eigen::Index c = 0; c < seg.x.cols(); ++c) {
    for (Eigen::Index t = 0; t < seg.x.rows(); ++t) {
      if (!std::isfinite(seg.x(t, c))) {
        return Status::InvalidArgument(path + "/data: non-finite value at frame " + std::to_string(t) + ", ROI " +
                                       std::to_string(c));
      }
    }
  }
  if (H5Lexists(group.get(), "timestamps", H5P_DEFAULT) > 0) {
    auto ts = ReadDataset(group.get(), "timestamps", 1, path);
    if (!ts.ok()) return ts.status();
    if (ts->rows() != seg.x.rows()) {
      return Status::InvalidArgument(path + "/timestamps: " + std::to_string(ts->rows()) + " entries for " +
                                     std::to_string(seg.x.rows()) + " frames");
    }
    seg.time.assign(ts->data(), ts->data() + ts->rows());
    if (seg.time.size() > 1) {
      std::vector<double> d;
      for (size_t k = 1; k < seg.time.size(); ++k) d.push_back(seg.time[k] - seg.time[k - 1]);
      std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
      rec.frame_period = d[d.size() / 2];
    }
  } else if (H5Lexists(group.get(), "starting_time", H5P_DEFAULT) > 0) {
    const H5Id st(H5Dopen2(group.get(), "starting_time", H5P_DEFAULT), H5Dclose);
    double t0 = 0;
    H5Dread(st.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &t0);
    const double rate = DoubleAttribute(st.get(), "rate");
    if (rate > 0) {
      rec.frame_period = 1.0 / rate;
      for (Eigen::Index t = 0; t < seg.x.rows(); ++t) seg.time.push_back(t0 + static_cast<double>(t) / rate);
    }
  }
  rec.names = DefaultNeuronNames(seg.x.cols());
  rec.segments.push_back(std::move(seg));
  SBTG_RETURN_IF_ERROR(rec.Validate());
  return rec;
}

}  // namespace sbtg::adapters
