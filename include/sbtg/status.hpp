// Status and Result<T>: the cheap error type of the data path.
//
// Bad input from outside (files, sockets, option values typed by a user) is an expected case and is
// reported as a Status with a message that names what was wrong and where (file, row, column, field).
// Exceptions are kept for programming mistakes and setup errors, and never cross a thread boundary.
// Both types are plain values: copy them freely; they are safe to use from any thread.
#pragma once

#include <cassert>
#include <exception>
#include <string>
#include <utility>
#include <variant>

namespace sbtg {

class Status {
 public:
  enum class Code { kOk, kInvalidArgument, kIoError, kParseError, kNotFound, kUnavailable, kInternal };

  Status() = default;
  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status IoError(std::string msg) { return {Code::kIoError, std::move(msg)}; }
  static Status ParseError(std::string msg) { return {Code::kParseError, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  [[nodiscard]] bool ok() const { return code_ == Code::kOk; }
  [[nodiscard]] Code code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] std::string ToString() const;

  // Prefixes the message with context, e.g. the file being read: "data.csv: row 3: ...".
  [[nodiscard]] Status WithContext(const std::string& context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result constructed from an OK status");
  }

  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
  [[nodiscard]] Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

// Thrown for setup mistakes (invalid options at construction, misuse of an API); never on the data path.
class SetupError : public std::exception {
 public:
  explicit SetupError(std::string msg) : msg_(std::move(msg)) {}
  [[nodiscard]] const char* what() const noexcept override { return msg_.c_str(); }

 private:
  std::string msg_;
};

}  // namespace sbtg

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define SBTG_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::sbtg::Status sbtg_status_ = (expr);     \
    if (!sbtg_status_.ok()) return sbtg_status_; \
  } while (false)
