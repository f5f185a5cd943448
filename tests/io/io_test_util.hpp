// Helpers for the io tests: write small files by hand and check error messages.
#pragma once

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "sbtg/status.hpp"

namespace sbtg::testing {

inline void WriteFile(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Checks that `status` failed and that its message contains every fragment.
inline void CheckError(const Status& status, std::initializer_list<std::string> fragments) {
  REQUIRE_FALSE(status.ok());
  for (const auto& f : fragments) {
    CHECK_MESSAGE(status.message().find(f) != std::string::npos,
                  "expected '" << f << "' in: " << status.message());
  }
}

// Same shape and the same bits in every element (so NaN == NaN and -0 != +0).
template <typename A, typename B>
bool BitEqual(const A& a, const B& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  static_assert(sizeof(typename A::Scalar) == sizeof(typename B::Scalar));
  return std::memcmp(a.data(), b.data(),
                     sizeof(typename A::Scalar) * static_cast<size_t>(a.size())) == 0;
}

// A hand-built NPY file: magic, version, little-endian header length, the dict padded with spaces
// and ended by '\n' to a multiple of 64 bytes, then `payload`.
inline std::string NpyBytes(const std::string& dict, const std::string& payload, int major = 1) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const size_t unpadded = 6 + 2 + length_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t k = 0; k < length_bytes; ++k)
    out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + payload;
}

template <typename T>
std::string RawBytes(std::initializer_list<T> values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

}  // namespace sbtg::testing
