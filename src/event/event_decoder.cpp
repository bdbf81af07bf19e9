#include "event/event_decoder.hpp"

#include <charconv>
#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "event/event_text.hpp"
#include "event/json_writer.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::detail {

namespace {

Status field_error(std::string_view field, std::string_view why) {
  return Status::invalid_argument(fmt::format("field '{}': {}", field, why));
}

// nlohmann's parse error without its bracketed id, and with the token it
// quotes ("last read: '...'", as long as the rest of a truncated line)
// shortened and made valid UTF-8 for the message.
std::string parse_error_message(std::string_view what) {
  if (const auto close = what.find("] "); close != std::string_view::npos) what.remove_prefix(close + 2);
  constexpr std::string_view kLastRead = "last read: '";
  const size_t start = what.find(kLastRead);
  if (start == std::string_view::npos) return excerpt(what, 512);
  const size_t token = start + kLastRead.size();
  // The token is followed by "'" at the end, or by "'; expected ...".
  size_t end = what.rfind("'; expected ");
  if (end == std::string_view::npos || end < token) end = what.size() - 1;
  if (end < token) return excerpt(what, 512);
  return fmt::format("{}{}{}", excerpt(what.substr(0, token), 512), excerpt(what.substr(token, end - token), 40),
                     excerpt(what.substr(end), 512));
}

// Nesting of data accepted, data itself being level 1 (validate_event's).
constexpr size_t kMaxDataDepth = 999;

// Objects up to this many keys look for a repeated key linearly in the text
// written so far; larger ones keep a hash set of their keys.
constexpr size_t kLinearKeys = 32;

// Writes data's JSON compactly as the SAX events arrive. A key given twice
// is kept at its first place with its last value (what a Json object does),
// by rewriting that object's text when it closes, which only such objects pay.
class DataWriter {
 public:
  explicit DataWriter(std::string* out) : out_(out) {}

  void reset() {
    out_->clear();
    frames_.clear();
    members_.clear();
    too_deep_ = false;
  }
  bool too_deep() const { return too_deep_; }

  void open(bool object) {
    value_start();
    if (frames_.size() + 1 > kMaxDataDepth) too_deep_ = true;
    frames_.push_back(Frame{object, out_->size(), members_.size(), 0, false, nullptr});
    out_->push_back(object ? '{' : '[');
  }

  void close() {
    Frame& f = frames_.back();
    if (f.object) {
      if (f.count > 0) members_.back().value_end = out_->size();
      if (f.repeated) collapse(f);
      members_.resize(f.members_begin);
    }
    out_->push_back(f.object ? '}' : ']');
    frames_.pop_back();
  }

  void key(const std::string& name) {
    Frame& f = frames_.back();
    if (f.count > 0) {
      members_.back().value_end = out_->size();
      out_->push_back(',');
    }
    const size_t begin = out_->size();
    append_json_string(name, out_);
    const size_t end = out_->size();
    out_->push_back(':');
    if (!f.repeated) f.repeated = seen_before(f, begin, end);
    members_.push_back(Member{begin, end, 0});
    ++f.count;
  }

  void scalar(std::string_view text) {
    value_start();
    out_->append(text);
  }
  void string(const std::string& s) {
    value_start();
    append_json_string(s, out_);
  }
  void number_float(double x, const std::string& literal) {
    value_start();
    // nlohmann reads an integer beyond 64 bits as a double; keep its digits.
    const bool integer = literal.find_first_not_of("-0123456789") == std::string::npos;
    if (integer) {
      out_->append(literal);
    } else {
      append_json_double(x, out_);
    }
  }

 private:
  struct Frame {
    bool object;
    size_t open;           // offset of its '{' or '['
    size_t members_begin;  // its first entry in members_
    size_t count;          // members or items so far
    bool repeated;         // a key was given twice
    std::unique_ptr<std::unordered_set<std::string>> keys;  // beyond kLinearKeys
  };
  // An object member's text: the key (quoted) at [key_begin, key_end), then
  // ':' and the value up to value_end.
  struct Member {
    size_t key_begin, key_end, value_end;
  };

  // A value begins: an array item after the first is preceded by a comma.
  void value_start() {
    if (frames_.empty()) return;
    Frame& f = frames_.back();
    if (f.object) return;
    if (f.count > 0) out_->push_back(',');
    ++f.count;
  }

  std::string_view text(size_t begin, size_t end) const { return std::string_view(*out_).substr(begin, end - begin); }

  bool seen_before(Frame& f, size_t begin, size_t end) {
    const std::string_view name = text(begin, end);
    if (f.count < kLinearKeys) {
      for (size_t i = f.members_begin; i < members_.size(); ++i) {
        if (text(members_[i].key_begin, members_[i].key_end) == name) return true;
      }
      return false;
    }
    if (!f.keys) {
      f.keys = std::make_unique<std::unordered_set<std::string>>();
      for (size_t i = f.members_begin; i < members_.size(); ++i) {
        f.keys->emplace(text(members_[i].key_begin, members_[i].key_end));
      }
    }
    return !f.keys->emplace(name).second;
  }

  // Rewrites the members of `f` so each key appears once, at its first
  // place, with its last value.
  void collapse(const Frame& f) {
    const std::string region = out_->substr(f.open + 1);
    const size_t base = f.open + 1;
    std::vector<Member> members(members_.begin() + static_cast<std::ptrdiff_t>(f.members_begin), members_.end());
    for (Member& m : members) {
      m.key_begin -= base;
      m.key_end -= base;
      m.value_end -= base;
    }
    const auto key_of = [&](const Member& m) {
      return std::string_view(region).substr(m.key_begin, m.key_end - m.key_begin);
    };
    std::unordered_map<std::string_view, size_t> last;  // key -> index of its last member
    for (size_t i = 0; i < members.size(); ++i) last[key_of(members[i])] = i;
    out_->resize(base);
    bool first = true;
    for (size_t i = 0; i < members.size(); ++i) {
      const auto it = last.find(key_of(members[i]));
      if (it == last.end()) continue;  // written at its first place already
      const Member& value = members[it->second];
      if (!first) out_->push_back(',');
      first = false;
      out_->append(key_of(members[i]));
      out_->append(region, value.key_end, value.value_end - value.key_end);
      last.erase(it);
    }
  }

  std::string* out_;
  std::vector<Frame> frames_;
  std::vector<Member> members_;
  bool too_deep_ = false;
};

// The SAX handler: routes the top-level members to the fields, data to the
// DataWriter, tags to a map. Field errors are noted, not raised, so that a
// syntax error anywhere in the text is reported first (as a parse of the
// whole object before looking at it would).
class Decoder {
 public:
  using Json = streamll::Json;

  explicit Decoder(DecodedEvent* out) : out_(out), data_(&out->data_json) {}

  // A top-level member that is a string (or, for operation, null).
  struct Text {
    bool present = false;
    bool is_null = false;
    const char* wrong = nullptr;  // the JSON type it had instead of a string
    std::string* value = nullptr;
    void reset() {
      present = true;
      is_null = false;
      wrong = nullptr;
      value->clear();
    }
  };
  enum class Member { kIgnored, kEventId, kExecutionId, kTimestamp, kModule, kMethod, kType, kOperation, kData, kTags };

  // nlohmann's SAX interface.
  bool null() { return scalar("null", "null"); }
  bool boolean(bool b) { return scalar(b ? "true" : "false", "boolean"); }
  bool number_integer(int64_t n) { return number(n); }
  bool number_unsigned(uint64_t n) { return number(n); }
  bool number_float(double x, const std::string& literal) {
    if (in_data()) {
      data_.number_float(x, literal);
      return true;
    }
    return scalar({}, "number");
  }
  bool string(std::string& s) {
    if (in_data()) {
      data_.string(s);
    } else if (depth_ == 0) {
      root_ = "string";
    } else if (depth_ == 1) {
      if (Text* t = text_member(); t != nullptr) {
        *t->value = std::move(s);
      } else if (member_ == Member::kData || member_ == Member::kTags) {
        wrong_structure("string");
      }
    } else if (in_tag_value()) {
      tags_.emplace_back(std::move(tag_key_), std::move(s));
    }
    return true;
  }
  bool binary(Json::binary_t&) { return true; }  // not produced by JSON text
  bool start_object(std::size_t) { return start(true); }
  bool start_array(std::size_t) { return start(false); }
  bool end_object() { return end(); }
  bool end_array() { return end(); }
  bool key(std::string& k) {
    if (in_data()) {
      data_.key(k);
    } else if (depth_ == 1) {
      begin_member(k);
    } else if (depth_ == 2 && member_ == Member::kTags && tags_object_) {
      tag_key_ = std::move(k);
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    syntax_ = ex.what();
    return false;
  }

  Status finish();

 private:
  bool in_data() const { return member_ == Member::kData && data_object_ && depth_ >= 2; }
  bool in_tag_value() const { return depth_ == 2 && member_ == Member::kTags && tags_object_; }

  Text* text_member() {
    switch (member_) {
      case Member::kEventId: return &event_id_;
      case Member::kExecutionId: return &execution_id_;
      case Member::kTimestamp: return &timestamp_;
      case Member::kModule: return &module_;
      case Member::kMethod: return &method_;
      case Member::kType: return &type_;
      case Member::kOperation: return &operation_;
      default: return nullptr;
    }
  }

  void begin_member(const std::string& k) {
    static const std::map<std::string, Member, std::less<>> kMembers = {
        {"event_id", Member::kEventId}, {"execution_id", Member::kExecutionId},
        {"timestamp", Member::kTimestamp}, {"module_name", Member::kModule},
        {"method_name", Member::kMethod}, {"event_type", Member::kType},
        {"operation", Member::kOperation}, {"data", Member::kData}, {"tags", Member::kTags}};
    const auto it = kMembers.find(k);
    member_ = it == kMembers.end() ? Member::kIgnored : it->second;
    if (Text* t = text_member(); t != nullptr) t->reset();
    if (member_ == Member::kData) {
      data_present_ = true;
      data_object_ = false;
      data_wrong_ = nullptr;
      data_.reset();
    } else if (member_ == Member::kTags) {
      tags_present_ = true;
      tags_object_ = false;
      tags_wrong_ = nullptr;
      tags_.clear();
    }
  }

  // A top-level member's value of a type other than what it needs.
  void wrong_structure(const char* type) {
    if (Text* t = text_member(); t != nullptr) t->wrong = type;
    if (member_ == Member::kData) data_wrong_ = type;
    if (member_ == Member::kTags) tags_wrong_ = type;
  }

  bool scalar(std::string_view text, const char* type) {
    if (in_data()) {
      data_.scalar(text);
    } else if (depth_ == 0) {
      root_ = type;
    } else if (depth_ == 1) {
      if (Text* t = text_member(); t != nullptr && member_ == Member::kOperation && std::string_view(type) == "null") {
        t->is_null = true;
      } else {
        wrong_structure(type);
      }
    } else if (in_tag_value()) {
      tags_.emplace_back(std::move(tag_key_), std::string());
      tag_wrong_.emplace_back(tags_.size() - 1, type);
    }
    return true;
  }

  template <typename N>
  bool number(N n) {
    if (!in_data()) return scalar({}, "number");
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    data_.scalar(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
    return true;
  }

  bool start(bool object) {
    if (in_data()) {
      data_.open(object);
    } else if (depth_ == 0) {
      root_ = object ? "object" : "array";
    } else if (depth_ == 1) {
      if (member_ == Member::kData && object) {
        data_object_ = true;
        data_.open(true);
      } else if (member_ == Member::kTags && object) {
        tags_object_ = true;
      } else {
        wrong_structure(object ? "object" : "array");
      }
    } else if (in_tag_value()) {
      tags_.emplace_back(std::move(tag_key_), std::string());
      tag_wrong_.emplace_back(tags_.size() - 1, object ? "object" : "array");
    }
    ++depth_;
    return true;
  }

  bool end() {
    --depth_;
    if (member_ == Member::kData && data_object_ && depth_ >= 1) data_.close();
    return true;
  }

  Status text_field(const Text& t, const char* field, bool required) const {
    if (!t.present) return required ? field_error(field, "is required") : Status::ok_status();
    if (t.wrong != nullptr) return field_error(field, fmt::format("must be a string, not {}", t.wrong));
    return Status::ok_status();
  }

  DecodedEvent* out_;
  DataWriter data_;
  size_t depth_ = 0;
  Member member_ = Member::kIgnored;
  std::string syntax_;
  const char* root_ = nullptr;
  Text event_id_{false, false, nullptr, &out_->event_id};
  Text execution_id_{false, false, nullptr, &out_->execution_id};
  std::string timestamp_text_;
  Text timestamp_{false, false, nullptr, &timestamp_text_};
  Text module_{false, false, nullptr, &out_->module_name};
  Text method_{false, false, nullptr, &out_->method_name};
  Text type_{false, false, nullptr, &out_->event_type};
  Text operation_{false, false, nullptr, &out_->operation};
  bool data_present_ = false, data_object_ = false;
  const char* data_wrong_ = nullptr;
  bool tags_present_ = false, tags_object_ = false;
  const char* tags_wrong_ = nullptr;
  std::string tag_key_;
  std::vector<std::pair<std::string, std::string>> tags_;  // in text order
  std::vector<std::pair<size_t, const char*>> tag_wrong_;  // (index in tags_, its JSON type)
};

Status Decoder::finish() {
  if (!syntax_.empty()) return Status::invalid_argument(fmt::format("invalid JSON: {}", parse_error_message(syntax_)));
  if (std::string_view(root_) != "object") {
    return Status::invalid_argument(fmt::format("expected a JSON object, not {}", root_));
  }
  DecodedEvent& e = *out_;
  Status s;
  if (!(s = text_field(event_id_, "event_id", false)).ok()) return s;
  if (!event_id_.present) e.event_id = generate_event_id();
  if (!(s = text_field(execution_id_, "execution_id", true)).ok()) return s;
  if (!module_.present) e.module_name = "unknown";
  if (!(s = text_field(module_, "module_name", false)).ok()) return s;
  if (!method_.present) e.method_name = "forward";
  if (!(s = text_field(method_, "method_name", false)).ok()) return s;
  if (!(s = text_field(type_, "event_type", true)).ok()) return s;

  if (!timestamp_.present) {
    e.timestamp = now_ns();  // upstream's default_factory: datetime.now(UTC)
  } else if (timestamp_.wrong != nullptr) {
    return field_error("timestamp", fmt::format("must be a string, not {}", timestamp_.wrong));
  } else if (!(s = parse_timestamp(timestamp_text_, &e.timestamp)).ok()) {
    return field_error("timestamp", s.message());
  }

  e.has_operation = operation_.present && !operation_.is_null;
  if (operation_.wrong != nullptr) {
    return field_error("operation", fmt::format("must be a string or null, not {}", operation_.wrong));
  }

  if (data_wrong_ != nullptr) return field_error("data", fmt::format("must be an object, not {}", data_wrong_));
  if (!data_present_) e.data_json = "{}";

  if (tags_wrong_ != nullptr) return field_error("tags", fmt::format("must be an object, not {}", tags_wrong_));
  // A key given twice keeps its last value; a value of the wrong type is
  // reported unless a later one replaced it.
  std::map<std::string, std::string> tags;
  std::map<std::string, const char*> wrong;
  size_t next_wrong = 0;
  for (size_t i = 0; i < tags_.size(); ++i) {
    const bool bad = next_wrong < tag_wrong_.size() && tag_wrong_[next_wrong].first == i;
    if (bad) {
      wrong[tags_[i].first] = tag_wrong_[next_wrong++].second;
    } else {
      wrong.erase(tags_[i].first);
    }
    tags[tags_[i].first] = std::move(tags_[i].second);
  }
  for (const auto& [key, type] : tag_wrong_) {
    const auto it = wrong.find(tags_[key].first);
    if (it != wrong.end()) {
      return field_error(fmt::format("tags.{}", excerpt(it->first)), fmt::format("must be a string, not {}", it->second));
    }
  }
  e.tags_json.clear();
  append_tags_json(tags, &e.tags_json);

  // validate_event()'s checks but those of UTF-8 in tags and data keys,
  // which the JSON reader made already.
  if (Status v = validate_envelope(e.view()); !v.ok()) return v;
  if (data_.too_deep()) {
    return field_error("data", fmt::format("nested deeper than {} levels", kMaxDataDepth));
  }
  return Status::ok_status();
}

}  // namespace

EventView DecodedEvent::view() const {
  EventView v;
  v.event_id = event_id;
  v.execution_id = execution_id;
  v.timestamp = timestamp;
  v.module_name = module_name;
  v.method_name = method_name;
  v.event_type = event_type;
  if (has_operation) v.operation = operation;
  v.data_json = data_json;
  v.tags_json = tags_json;
  return v;
}

Status decode_event_json(std::string_view text, DecodedEvent* out) {
  Decoder decoder(out);
  (void)Json::sax_parse(text.begin(), text.end(), &decoder);
  return decoder.finish();
}

}  // namespace streamll::detail
