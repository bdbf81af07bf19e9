// The EventIterator implementations behind Store's scans.
#pragma once

#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "streamll/store.hpp"

namespace streamll::detail {

// Events stored in the events family between two primary keys [lower, upper);
// an empty `upper` means no upper bound.
std::unique_ptr<EventIterator> make_primary_iterator(rocksdb::DB* db,
                                                     rocksdb::ColumnFamilyHandle* events,
                                                     std::string lower, std::string upper);

// Events reached through an index family whose values are primary keys,
// between two index keys [lower, upper), in index order.
std::unique_ptr<EventIterator> make_index_iterator(rocksdb::DB* db,
                                                   rocksdb::ColumnFamilyHandle* index,
                                                   rocksdb::ColumnFamilyHandle* events,
                                                   std::string lower, std::string upper);

// The timestamp and seq of each event in the by_time index between two
// index keys [lower, upper), from the index keys alone (no event is read).
std::unique_ptr<EventIterator> make_time_key_iterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* by_time,
                                                      std::string lower, std::string upper);

// The events of `inner` that match `filter`.
std::unique_ptr<EventIterator> make_filter_iterator(std::unique_ptr<EventIterator> inner,
                                                    EventFilter filter);

// An iterator that is at its end with `status` (ok or an error).
std::unique_ptr<EventIterator> make_empty_iterator(Status status);

}  // namespace streamll::detail
