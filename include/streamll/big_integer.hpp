// Integers beyond 64 bits in an event's data.
//
// JSON numbers and Python ints have no size limit, but a Json holds
// integers of 64 bits at most (it would round a larger one to the nearest
// double). So that such an integer keeps every digit, from emit (C++ or
// Python) or an imported line through the store, export, the sinks and
// Redis and back, a Json carries it as a binary value of subtype
// kBigIntegerSubtype whose bytes are its decimal digits. The JSON writers
// write those digits as the number; to_event, Store::get and every parse of
// stored text make one for an integer beyond 64 bits; Python gets an int.
// validate_event refuses any other binary value (JSON has none).
//
//   Json data = {{"token", 1}};
//   json_integer("123456789012345678901234567890", &data["hash"]);
//   streamll::emit("rag.embed", data);  // stored as ..."hash":123456789012345678901234567890
//
// Thread-safety: plain functions of their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll {

// The binary subtype that marks a big integer ("BIGINT" in ASCII).
inline constexpr std::uint64_t kBigIntegerSubtype = 0x424947494E54;

// Sets *out to the integer `digits` writes (an optional '-', then decimal
// digits without a leading zero): a Json number when it fits in 64 bits
// (signed, or unsigned when positive), otherwise a big integer.
// InvalidArgument, *out unchanged, when `digits` is not such an integer.
// Cost: one pass over the digits; beyond 64 bits, their copy.
Status json_integer(std::string_view digits, Json* out);

// The digits of a big integer made by json_integer (or by a parse of stored
// text), or nullopt for any other value. Cost: a type check.
std::optional<std::string_view> big_integer_digits(const Json& value);

}  // namespace streamll
