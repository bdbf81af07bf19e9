// Status: the outcome of a library call that can fail.
//
// Every fallible streamll call returns a Status (or fills an out-parameter and
// returns one), in the manner of LevelDB. No library call throws on bad input
// or aborts the process; the message says what was wrong and where (a field
// name, a line number, a path).
//
// Cost: an ok Status is one byte plus an empty string (no allocation).
// Thread-safety: a Status is a value; distinct objects may be used from any
// thread.
#pragma once

#include <string>
#include <utility>

namespace streamll {

class Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kInvalidArgument,  // the caller's input is wrong (bad JSON, a bad field)
    kNotFound,         // the thing asked for does not exist
    kCorruption,       // stored bytes do not decode
    kIOError,          // the file system or RocksDB failed
    kBusy,             // another process holds the store open for writing
    kNotSupported,     // the operation does not apply (e.g. write to a read-only view)
    kPermissionDenied, // a server refused the credentials, or wants some (Redis AUTH)
  };

  Status() = default;

  static Status ok_status() { return Status(); }
  static Status invalid_argument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status not_found(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status io_error(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status busy(std::string msg) { return {Code::kBusy, std::move(msg)}; }
  static Status permission_denied(std::string msg) { return {Code::kPermissionDenied, std::move(msg)}; }
  static Status not_supported(std::string msg) { return {Code::kNotSupported, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  bool is_invalid_argument() const { return code_ == Code::kInvalidArgument; }
  bool is_not_found() const { return code_ == Code::kNotFound; }
  bool is_corruption() const { return code_ == Code::kCorruption; }
  bool is_busy() const { return code_ == Code::kBusy; }
  bool is_permission_denied() const { return code_ == Code::kPermissionDenied; }
  Code code() const { return code_; }

  // The message alone, without a code prefix ("" when ok).
  const std::string& message() const { return message_; }

  // "OK", or a code name and the message: "invalid argument: field 'data': ...".
  std::string to_string() const;

  // A copy whose message is prefixed by `context` and ": " (e.g. "line 7").
  // An ok Status stays ok.
  Status with_context(const std::string& context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace streamll
