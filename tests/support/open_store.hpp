// Opening a store in a test: fails the test, with the reason, when it
// cannot be opened.
#pragma once

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "streamll/store.hpp"

namespace streamll::testing {

inline std::unique_ptr<Store> open_store(const std::string& path, StoreOptions options = {}) {
  std::unique_ptr<Store> store;
  const Status s = Store::open(path, options, &store);
  INFO(path << ": " << s.to_string());
  REQUIRE(s.ok());
  return store;
}

}  // namespace streamll::testing
