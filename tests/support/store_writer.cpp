// A writer in its own process, driven over stdin, for tests of read-only views
// and of the one-writer rule. Commands, one a line:
//   append EXECUTION_ID N   append N events (timestamps 1 ms apart), print "ok LAST_SEQ"
//   quit                    close the store and exit 0
// Prints "open" once the store is open, or "error MESSAGE" and exits 1.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "streamll/store.hpp"
#include "streamll/timestamp.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: store_writer PATH\n";
    return 2;
  }
  std::unique_ptr<streamll::Store> store;
  if (auto s = streamll::Store::open(argv[1], {}, &store); !s.ok()) {
    std::cout << "error " << s.to_string() << std::endl;
    return 1;
  }
  std::cout << "open" << std::endl;
  std::string line;
  int64_t ts = streamll::now_ns();
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string command, execution_id;
    size_t n = 0;
    words >> command >> execution_id >> n;
    if (command == "quit") break;
    std::vector<streamll::Event> batch(n);
    for (auto& e : batch) {
      e.event_id = streamll::generate_event_id();
      e.execution_id = execution_id;
      e.event_type = "step";
      e.timestamp = ts += 1'000'000;
    }
    streamll::AppendResult r;
    if (auto s = store->append(batch, &r); !s.ok()) {
      std::cout << "error " << s.to_string() << std::endl;
      return 1;
    }
    std::cout << "ok " << r.last_seq << std::endl;
  }
  return 0;
}
