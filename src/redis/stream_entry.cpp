#include "redis/stream_entry.hpp"

#include <charconv>

#include <fmt/format.h>


namespace streamll::consume {

namespace {

// The fields a streamll event may travel in, in order of preference:
// `message` (Replicator, upstream's consumer), `event` (older upstream sinks).
constexpr std::string_view kEventFields[] = {"message", "event"};

bool parse_u64(std::string_view s, uint64_t* out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

bool is_string(const redis::Reply& r) {
  return r.type == redis::Reply::Type::kString || r.type == redis::Reply::Type::kStatus;
}

Status bad_reply(std::string_view command, std::string_view why) {
  return Status::corruption(fmt::format("unexpected {} reply: {}", command, why));
}

// [[id, [field, value, ...] or nil], ...]
Status take_entries(std::string_view command, redis::Reply* entries, std::vector<StreamEntry>* out) {
  if (entries->type != redis::Reply::Type::kArray) return bad_reply(command, "the entries are not an array");
  for (redis::Reply& e : entries->elements) {
    if (e.type != redis::Reply::Type::kArray || e.elements.size() != 2 || !is_string(e.elements[0])) {
      return bad_reply(command, "an entry is not [id, fields]");
    }
    StreamEntry entry;
    entry.id = std::move(e.elements[0].str);
    redis::Reply& fields = e.elements[1];
    if (fields.is_nil()) {
      entry.deleted = true;
    } else if (fields.type != redis::Reply::Type::kArray || fields.elements.size() % 2 != 0) {
      return bad_reply(command, fmt::format("the fields of entry {} are not field-value pairs", entry.id));
    } else {
      for (size_t i = 0; i < fields.elements.size(); i += 2) {
        entry.fields.emplace_back(std::move(fields.elements[i].str), std::move(fields.elements[i + 1].str));
      }
    }
    out->push_back(std::move(entry));
  }
  return Status::ok_status();
}

}  // namespace

bool parse_entry_id(std::string_view text, EntryId* out) {
  const auto dash = text.find('-');
  EntryId id;
  if (!parse_u64(text.substr(0, dash), &id.ms)) return false;
  if (dash != std::string_view::npos && !parse_u64(text.substr(dash + 1), &id.seq)) return false;
  *out = id;
  return true;
}

Status take_read_reply(redis::Reply* reply, std::vector<StreamEntry>* out) {
  if (reply->is_nil()) return Status::ok_status();  // nothing new (or BLOCK timed out)
  if (reply->type != redis::Reply::Type::kArray) return bad_reply("XREAD", "not an array");
  for (redis::Reply& stream : reply->elements) {
    if (stream.type != redis::Reply::Type::kArray || stream.elements.size() != 2) {
      return bad_reply("XREAD", "a stream is not [key, entries]");
    }
    if (Status s = take_entries("XREAD", &stream.elements[1], out); !s.ok()) return s;
  }
  return Status::ok_status();
}

Status take_range_reply(redis::Reply* reply, std::vector<StreamEntry>* out) {
  return take_entries("XRANGE", reply, out);
}

Status take_claim_reply(redis::Reply* reply, std::string* cursor, std::vector<StreamEntry>* out,
                        std::vector<std::string>* deleted) {
  if (reply->type != redis::Reply::Type::kArray || reply->elements.size() < 2 || !is_string(reply->elements[0])) {
    return bad_reply("XAUTOCLAIM", "not [cursor, entries, ...]");
  }
  *cursor = std::move(reply->elements[0].str);
  if (Status s = take_entries("XAUTOCLAIM", &reply->elements[1], out); !s.ok()) return s;
  if (reply->elements.size() > 2) {
    for (redis::Reply& id : reply->elements[2].elements) deleted->push_back(std::move(id.str));
  }
  return Status::ok_status();
}

Status decode_entry(const StreamEntry& entry, std::string_view field_first, detail::DecodedEvent* out) {
  const std::string_view fields[] = {field_first, kEventFields[0], kEventFields[1]};
  for (std::string_view field : fields) {
    for (const auto& [name, value] : entry.fields) {
      if (name != field) continue;
      if (Status s = detail::decode_event_json(value, out); !s.ok()) {
        return Status::invalid_argument(fmt::format("field '{}': {}", field, s.message()));
      }
      return Status::ok_status();
    }
  }
  std::string names;
  for (const auto& [name, value] : entry.fields) names += (names.empty() ? "" : ", ") + name;
  const std::string wanted = field_first == kEventFields[0] || field_first == kEventFields[1]
                                 ? fmt::format("'{}' or '{}'", kEventFields[0], kEventFields[1])
                                 : fmt::format("'{}', '{}' or '{}'", field_first, kEventFields[0], kEventFields[1]);
  return Status::invalid_argument(
      fmt::format("no {} field ({})", wanted, names.empty() ? "no fields" : "fields: " + names));
}

}  // namespace streamll::consume
