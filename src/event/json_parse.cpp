#include "event/json_parse.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "streamll/big_integer.hpp"

namespace streamll::detail {

namespace {

// Objects up to this many keys search their members for a repeated key (as
// Json::parse does); larger ones keep an index of their keys.
constexpr size_t kLinearKeys = 32;

// nlohmann's SAX interface, building the tree.
class TreeBuilder {
 public:
  explicit TreeBuilder(Json* root) : root_(root) {}

  bool null() { return place(Json(nullptr)); }
  bool boolean(bool b) { return place(Json(b)); }
  bool number_integer(Json::number_integer_t n) { return place(Json(n)); }
  bool number_unsigned(Json::number_unsigned_t n) { return place(Json(n)); }
  bool number_float(Json::number_float_t x, const std::string& text) {
    // An integer beyond 64 bits reaches here too: keep its digits.
    if (text.find_first_of(".eE") == std::string::npos) {
      Json big;
      if (json_integer(text, &big).ok()) return place(std::move(big));
    }
    return place(Json(x));
  }
  bool string(std::string& s) { return place(Json(std::move(s))); }
  bool binary(Json::binary_t& b) { return place(Json::binary(std::move(b))); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    // The vector under the ordered_map: appended to without its search.
    Json::object_t::Container& members = f.node->get_ref<Json::object_t&>();
    if (!f.index && members.size() >= kLinearKeys) {
      f.index = std::make_unique<std::unordered_map<std::string, size_t>>();
      for (size_t i = 0; i < members.size(); ++i) f.index->emplace(members[i].first, i);
    }
    size_t at = members.size();
    if (f.index) {
      at = f.index->try_emplace(k, members.size()).first->second;
    } else {
      for (size_t i = 0; i < members.size(); ++i) {
        if (members[i].first == k) {
          at = i;
          break;
        }
      }
    }
    if (at == members.size()) members.emplace_back(std::move(k), nullptr);
    slot_ = &members[at].second;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    error_ = ex.what();
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  struct Frame {
    Json* node;
    std::unique_ptr<std::unordered_map<std::string, size_t>> index;
  };

  // Puts `value` where the next value goes; returns where it went. A
  // container's pointer stays valid while it is open: its parent grows only
  // after it closes.
  Json* put(Json&& value) {
    if (frames_.empty()) {
      *root_ = std::move(value);
      return root_;
    }
    Json* node = frames_.back().node;
    if (node->is_array()) {
      Json::array_t& items = node->get_ref<Json::array_t&>();
      items.push_back(std::move(value));
      return &items.back();
    }
    *slot_ = std::move(value);
    return slot_;
  }
  bool place(Json&& value) {
    put(std::move(value));
    return true;
  }
  bool open(Json&& container) {
    frames_.push_back(Frame{put(std::move(container)), nullptr});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  Json* root_;
  Json* slot_ = nullptr;
  std::vector<Frame> frames_;
  std::string error_;
};

}  // namespace

Status parse_json(std::string_view text, Json* out) {
  TreeBuilder builder(out);
  if (Json::sax_parse(text.begin(), text.end(), &builder)) return Status::ok_status();
  *out = Json(Json::value_t::discarded);
  return Status::invalid_argument(builder.error());
}

}  // namespace streamll::detail
