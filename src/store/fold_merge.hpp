// The merge operators of the summary families (executions, types): each
// append merges one operand per key it touches, and RocksDB folds operands
// into the stored value when it reads or compacts, so appends never read a
// summary. A summary type supplies the fold; this supplies the operator.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/merge_operator.h>

namespace streamll::detail {

// Folds the encoded `operand` into the encoded `existing` value, writing the
// encoded result to *out; false when either is malformed (RocksDB then fails
// the read with a corruption error rather than guessing).
using Fold = bool (*)(std::string_view existing, std::string_view operand, std::string* out);

// An associative merge operator named `name` (stored in the options file: a
// rename is a format change). A key without a value takes the operand as is.
std::shared_ptr<rocksdb::MergeOperator> make_fold_merge(const char* name, Fold fold);

}  // namespace streamll::detail
