#include "engine/io/npy.hpp"

#include <bit>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <string_view>

namespace sbtg::io {

static_assert(std::endian::native == std::endian::little,
              "the NPY reader/writer copies little-endian payloads without byte swapping");

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr size_t kHeaderAlignment = 64;  // numpy >= 1.14 pads so the payload starts 64-byte aligned

Status NpyError(const std::filesystem::path& file, const std::string& message) {
  return Status::ParseError(file.string() + ": " + message);
}

std::string ShapeText(const std::vector<std::int64_t>& shape) {
  std::string out = "(";
  for (size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) out += ", ";
    out += std::to_string(shape[k]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

// Recursive-descent parser for the Python dict literal numpy writes as the header, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }. Only the value forms numpy uses for
// these three keys are accepted: a quoted string, True/False and a tuple of integers.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  Status Parse(NpyArray& out) {
    bool has_descr = false, has_order = false, has_shape = false;
    SBTG_RETURN_IF_ERROR(Expect('{'));
    while (!Peek('}')) {
      std::string key;
      SBTG_RETURN_IF_ERROR(ParseString(key));
      SBTG_RETURN_IF_ERROR(Expect(':'));
      if (key == "descr") {
        SBTG_RETURN_IF_ERROR(ParseDescr(out.descr));
        has_descr = true;
      } else if (key == "fortran_order") {
        SBTG_RETURN_IF_ERROR(ParseBool(out.fortran_order));
        has_order = true;
      } else if (key == "shape") {
        SBTG_RETURN_IF_ERROR(ParseShape(out.shape));
        has_shape = true;
      } else {
        return Fail("unexpected key '" + key + "'");
      }
      if (!Peek('}')) SBTG_RETURN_IF_ERROR(Expect(','));
    }
    SBTG_RETURN_IF_ERROR(Expect('}'));
    if (!has_descr || !has_order || !has_shape) {
      return Fail("the header must have the keys 'descr', 'fortran_order' and 'shape'");
    }
    return Status::Ok();
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  Status Fail(const std::string& what) const {
    constexpr size_t kShown = 200;  // a corrupt header can be long; show its start only
    const std::string shown =
        text_.size() > kShown ? std::string(text_.substr(0, kShown)) + "..." : std::string(text_);
    return Status::ParseError("NPY header: " + what + " at offset " + std::to_string(pos_) +
                              " in \"" + shown + "\"");
  }
  Status Expect(char c) {
    if (!Peek(c)) return Fail(std::string("expected '") + c + "'");
    ++pos_;
    return Status::Ok();
  }
  Status ParseString(std::string& out) {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return Fail("expected a quoted string");
    }
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Fail("unterminated string");
    out.assign(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return Status::Ok();
  }
  Status ParseDescr(std::string& out) {
    // A list here is a structured (record) dtype such as [('a', '<f8'), ('b', '<i4')].
    if (Peek('[')) return Fail("structured (record) dtypes are not supported");
    return ParseString(out);
  }
  Status ParseBool(bool& out) {
    SkipSpace();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_).starts_with(word)) {
        pos_ += std::strlen(word);
        out = value;
        return Status::Ok();
      }
    }
    return Fail("expected True or False");
  }
  Status ParseShape(std::vector<std::int64_t>& out) {
    out.clear();
    SBTG_RETURN_IF_ERROR(Expect('('));
    while (!Peek(')')) {
      std::int64_t dim = 0;
      const auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), dim);
      if (ec != std::errc() || dim < 0) return Fail("expected a non-negative integer dimension");
      pos_ = static_cast<size_t>(ptr - text_.data());
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long suffix
      out.push_back(dim);
      if (!Peek(')')) SBTG_RETURN_IF_ERROR(Expect(','));
    }
    return Expect(')');
  }

  std::string_view text_;
  size_t pos_ = 0;
};

const char* KindName(char kind) {
  switch (kind) {
    case 'f':
      return "floating point";
    case 'i':
      return "signed integer";
    case 'u':
      return "unsigned integer";
    case 'b':
      return "boolean";
    case 'c':
      return "complex";
    case 'O':
      return "Python object";
    case 'U':
      return "unicode string";
    case 'S':
      return "byte string";
    case 'V':
      return "void/structured";
    case 'M':
      return "datetime";
    case 'm':
      return "timedelta";
    default:
      return "unknown";
  }
}

// Splits a descr such as "<f8" into kind and item size; rejects big-endian multi-byte types and
// dtypes without a fixed item size (objects).
Status ParseDescrType(NpyArray& array) {
  std::string_view d = array.descr;
  char order = '=';
  if (!d.empty() &&
      (d.front() == '<' || d.front() == '>' || d.front() == '|' || d.front() == '=')) {
    order = d.front();
    d.remove_prefix(1);
  }
  if (d.empty()) return Status::ParseError("unsupported dtype '" + array.descr + "'");
  array.kind = d.front();
  int size = 0;
  const auto [ptr, ec] = std::from_chars(d.data() + 1, d.data() + d.size(), size);
  if (d.size() == 1 || ec != std::errc() || ptr != d.data() + d.size() || size <= 0) {
    return Status::ParseError("unsupported dtype '" + array.descr + "' (" + KindName(array.kind) +
                              ")");
  }
  array.item_size = size;
  if (order == '>' && size > 1) {
    return Status::ParseError("big-endian dtype '" + array.descr +
                              "' is not supported; save it little-endian (e.g. a.astype('<f8'))");
  }
  return Status::Ok();
}

// Number of payload bytes the shape implies, or -1 on overflow.
std::int64_t PayloadBytes(const NpyArray& array) {
  std::int64_t total = array.item_size;
  for (const std::int64_t dim : array.shape) {
    if (dim != 0 && total > std::numeric_limits<std::int64_t>::max() / dim) return -1;
    total *= dim;
  }
  return total;
}

Result<std::string> ReadWholeFile(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return Status::NotFound(file.string() + ": no such file");
  if (std::filesystem::is_directory(file, ec)) {
    return Status::IoError(file.string() + ": is a directory, expected a file");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError(file.string() + ": cannot open for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(file.string() + ": read error");
  return bytes;
}

std::uint32_t ReadLittleEndian(const std::string& bytes, size_t offset, size_t width) {
  std::uint32_t value = 0;
  for (size_t k = 0; k < width; ++k) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + k])) << (8 * k);
  }
  return value;
}

// Checks magic and version and returns the header text and where the payload starts.
Status SplitHeader(const std::string& bytes, const std::filesystem::path& file,
                   std::string_view& header, size_t& data_offset) {
  if (bytes.size() < 10 || std::string_view(bytes).substr(0, kMagic.size()) != kMagic) {
    return NpyError(file, "not an NPY file (it does not start with the magic string \\x93NUMPY)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3) {
    return NpyError(file, "unsupported NPY format version " + std::to_string(major) + "." +
                              std::to_string(minor) + " (1.0, 2.0 and 3.0 are read)");
  }
  const size_t width = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + width) return NpyError(file, "truncated NPY header");
  const size_t length = ReadLittleEndian(bytes, 8, width);
  data_offset = 8 + width + length;
  if (bytes.size() < data_offset) {
    return NpyError(file, "truncated NPY header: it declares " + std::to_string(length) +
                              " bytes, the file has " + std::to_string(bytes.size() - 8 - width));
  }
  header = std::string_view(bytes).substr(8 + width, length);
  while (!header.empty() && (header.back() == '\n' || header.back() == ' '))
    header.remove_suffix(1);
  return Status::Ok();
}

template <typename T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> CopyPayload(const std::string& data,
                                                             Eigen::Index rows, Eigen::Index cols,
                                                             bool fortran_order) {
  // Eigen's default storage is column-major, i.e. Fortran order; a C-order payload is the
  // transpose.
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m(fortran_order ? rows : cols,
                                                     fortran_order ? cols : rows);
  const size_t bytes = static_cast<size_t>(rows * cols) * sizeof(T);
  if (bytes > 0) std::memcpy(m.data(), data.data(), bytes);
  if (fortran_order) return m;
  return m.transpose();
}

Status UnsupportedDtype(const NpyArray& array, const std::filesystem::path& file,
                        const std::string& expected) {
  return NpyError(file, "unsupported dtype '" + array.descr + "' (" + KindName(array.kind) + ", " +
                            std::to_string(array.item_size) + " bytes); expected " + expected);
}

}  // namespace

Result<NpyArray> ReadNpy(const std::filesystem::path& file) {
  auto bytes = ReadWholeFile(file);
  if (!bytes.ok()) return bytes.status();
  std::string_view header;
  size_t data_offset = 0;
  SBTG_RETURN_IF_ERROR(SplitHeader(*bytes, file, header, data_offset));
  NpyArray array;
  SBTG_RETURN_IF_ERROR(HeaderParser(header).Parse(array).WithContext(file.string()));
  SBTG_RETURN_IF_ERROR(ParseDescrType(array).WithContext(file.string()));
  const std::int64_t expected = PayloadBytes(array);
  const auto available = static_cast<std::int64_t>(bytes->size() - data_offset);
  if (expected < 0) return NpyError(file, "shape " + ShapeText(array.shape) + " is too large");
  if (available < expected) {
    return NpyError(file, "truncated data: shape " + ShapeText(array.shape) + " of '" +
                              array.descr + "' needs " + std::to_string(expected) +
                              " bytes, the file has " + std::to_string(available));
  }
  if (available > expected) {
    return NpyError(file, std::to_string(available - expected) +
                              " unexpected bytes after the data of shape " +
                              ShapeText(array.shape));
  }
  bytes->erase(0, data_offset);  // keep the payload without a second copy of the file
  array.data = std::move(*bytes);
  return array;
}

Result<Eigen::MatrixXd> NpyToMatrix(const NpyArray& array, const std::filesystem::path& file) {
  if (array.kind != 'f' || (array.item_size != 4 && array.item_size != 8)) {
    return UnsupportedDtype(array, file, "float32 '<f4' or float64 '<f8'");
  }
  if (array.shape.empty() || array.shape.size() > 2) {
    return NpyError(file, "array has shape " + ShapeText(array.shape) + " (" +
                              std::to_string(array.shape.size()) + "-D); expected 1-D or 2-D");
  }
  const Eigen::Index rows = array.shape[0];
  const Eigen::Index cols = array.shape.size() == 2 ? array.shape[1] : 1;
  if (array.item_size == 8) return CopyPayload<double>(array.data, rows, cols, array.fortran_order);
  return Eigen::MatrixXd(
      CopyPayload<float>(array.data, rows, cols, array.fortran_order).cast<double>());
}

Result<Int8Matrix> ReadNpyInt8(const std::filesystem::path& file) {
  auto array = ReadNpy(file);
  if (!array.ok()) return array.status();
  if (array->kind != 'i' || array->item_size != 1)
    return UnsupportedDtype(*array, file, "int8 '|i1'");
  if (array->shape.size() != 2) {
    return NpyError(file, "array has shape " + ShapeText(array->shape) + "; expected 2-D");
  }
  return CopyPayload<std::int8_t>(array->data, array->shape[0], array->shape[1],
                                  array->fortran_order);
}

Status WriteNpyRaw(const std::filesystem::path& file, const std::string& descr, std::int64_t rows,
                   std::int64_t cols, const void* row_major, std::size_t bytes) {
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': " + ShapeText({rows, cols}) + ", }";
  const size_t unpadded = kMagic.size() + 2 + 2 + header.size() + 1;  // + the closing '\n'
  header.append((kHeaderAlignment - unpadded % kHeaderAlignment) % kHeaderAlignment, ' ');
  header += '\n';
  const auto length = static_cast<std::uint16_t>(header.size());
  const char preamble[4] = {1, 0, static_cast<char>(length & 0xff), static_cast<char>(length >> 8)};
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(file.string() + ": cannot open for writing");
  out.write(kMagic.data(), static_cast<std::streamsize>(kMagic.size()));
  out.write(preamble, sizeof(preamble));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (bytes > 0)
    out.write(static_cast<const char*>(row_major), static_cast<std::streamsize>(bytes));
  out.close();
  if (!out) return Status::IoError(file.string() + ": write failed");
  return Status::Ok();
}

}  // namespace sbtg::io

namespace sbtg {

Result<Eigen::MatrixXd> ReadNpyMatrix(const std::filesystem::path& file) {
  auto array = io::ReadNpy(file);
  if (!array.ok()) return array.status();
  return io::NpyToMatrix(*array, file);
}

Status WriteNpy(const std::filesystem::path& file, const Eigen::MatrixXd& m) {
  const Eigen::MatrixXd row_major = m.transpose();  // column-major storage of mᵀ = C order of m
  return io::WriteNpyRaw(file, "<f8", m.rows(), m.cols(), row_major.data(),
                         static_cast<size_t>(m.size()) * sizeof(double));
}

Status WriteNpy(const std::filesystem::path& file, const Int8Matrix& m) {
  const Int8Matrix row_major = m.transpose();
  return io::WriteNpyRaw(file, "|i1", m.rows(), m.cols(), row_major.data(),
                         static_cast<size_t>(m.size()));
}

}  // namespace sbtg
