// Internal NPY (numpy .npy) reading and writing shared by the recording reader and the result
// directory.
//
// Reads format versions 1.0, 2.0 and 3.0: the header dict ('descr', 'fortran_order', 'shape') is
// parsed strictly and the payload is checked against the shape (short or over-long files are
// errors). Writes version 1.0 with the header padded to a multiple of 64 bytes, as numpy does. Only
// little-endian hosts are supported (checked at compile time), so payloads are copied without byte
// swapping. Reentrant; no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sbtg/io.hpp"

namespace sbtg::io {

struct NpyArray {
  std::string descr;  // as in the header, e.g. "<f8"
  char kind = 0;      // 'f' float, 'i' signed int, 'u' unsigned, 'b' bool, ...
  int item_size = 0;  // bytes per element
  bool fortran_order = false;
  std::vector<std::int64_t> shape;  // empty = scalar
  std::string data;  // raw little-endian payload, exactly elements × item_size bytes
};

// Reads and validates the file; errors name the file and what was wrong with it.
Result<NpyArray> ReadNpy(const std::filesystem::path& file);

// A 1-D or 2-D float32/float64 array as an Eigen matrix (1-D of length n → n × 1). Errors name
// `file`.
Result<Eigen::MatrixXd> NpyToMatrix(const NpyArray& array, const std::filesystem::path& file);

// A 2-D int8 array ('|i1') as an Int8Matrix. Errors name `file`.
Result<Int8Matrix> ReadNpyInt8(const std::filesystem::path& file);

// Writes a 2-D array in C order; `row_major` holds rows × cols elements of `descr`'s type.
Status WriteNpyRaw(const std::filesystem::path& file, const std::string& descr, std::int64_t rows,
                   std::int64_t cols, const void* row_major, std::size_t bytes);

}  // namespace sbtg::io
