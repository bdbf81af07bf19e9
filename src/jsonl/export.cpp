#include <ostream>

#include "streamll/event_json.hpp"
#include "streamll/jsonl.hpp"

namespace streamll {

Status export_jsonl(const Store& store, const EventFilter& filter, std::ostream& out, size_t* count) {
  *count = 0;
  std::string buffer;
  auto it = store.scan(filter);
  for (; it->valid(); it->next()) {
    append_event_json(it->view(), &buffer);
    buffer.push_back('\n');
    ++*count;
    if (buffer.size() >= (1 << 16)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.flush();
  if (!out) return Status::io_error("writing the export failed");
  return it->status();
}

}  // namespace streamll
