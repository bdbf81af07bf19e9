#include "store/wal_check.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace streamll::detail {

namespace {

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), a table a byte.
constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

uint32_t crc32c(const unsigned char* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = kCrcTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// RocksDB stores a CRC rotated and offset ("masked").
uint32_t unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

// RocksDB's log format (db/log_format.h).
constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;             // crc (4), length (2), type (1)
constexpr size_t kRecyclableHeaderSize = 11;  // and the log's number (4)
enum RecordType : unsigned char {
  kZeroType = 0,
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
  kRecyclableFullType = 5,
  kRecyclableLastType = 8,
  kSetCompressionType = 9,
};

// One record's header, read from the kHeaderSize bytes or more at h.
struct Header {
  uint32_t masked_crc;  // as stored
  size_t length;        // of the payload
  unsigned char type;
  size_t size;  // the header's own: 11 for a recyclable log's records

  // Space preallocated and never written.
  bool unwritten() const { return type == kZeroType && length == 0; }
  // Whether the record, at byte `at` of a log of `total` bytes, stays in its
  // block and in the log.
  bool fits(size_t at, size_t total) const {
    return size + length <= kBlockSize - at % kBlockSize && at + size + length <= total;
  }
  bool checksum_matches(const unsigned char* h) const {
    return unmask(masked_crc) == crc32c(h + 6, size - 6 + length);
  }
};

Header read_header(const unsigned char* h) {
  Header r;
  r.masked_crc = static_cast<uint32_t>(h[0]) | static_cast<uint32_t>(h[1]) << 8 |
                 static_cast<uint32_t>(h[2]) << 16 | static_cast<uint32_t>(h[3]) << 24;
  r.length = static_cast<size_t>(h[4]) | static_cast<size_t>(h[5]) << 8;
  r.type = h[6];
  r.size = r.type >= kRecyclableFullType && r.type <= kRecyclableLastType ? kRecyclableHeaderSize : kHeaderSize;
  return r;
}

// Whether a record whose checksum matches starts at `at` (past a block's
// trailer), or the log ends there.
bool sound_record_at(const std::string& bytes, size_t at) {
  if (kBlockSize - at % kBlockSize < kHeaderSize) at += kBlockSize - at % kBlockSize;
  if (at >= bytes.size()) return true;
  if (bytes.size() - at < kHeaderSize) return false;
  const auto* h = reinterpret_cast<const unsigned char*>(bytes.data()) + at;
  const Header r = read_header(h);
  return r.unwritten() || (r.fits(at, bytes.size()) && r.checksum_matches(h));
}

// Walks one log's records in order: on_record(payload) for each whole
// record (its fragments joined), on_damage(byte, what) for each damaged
// stretch, which returns whether to go on. Past a damage the walk goes on at
// the next 32 KiB block, as RocksDB's own reader does, and drops the
// fragments of a record the damage cut. A record cut off at the log's end is
// what a crash leaves (in any log: the one before the newest too, after a
// power loss), not damage.
template <class OnRecord, class OnDamage>
void walk_log(const std::string& bytes, OnRecord&& on_record, OnDamage&& on_damage) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t at = 0;
  bool in_fragments = false;
  std::string joined;
  // A damage drops the record it cuts; one in a header or a checksum makes
  // the rest of the block untrustworthy, so the walk resumes at the next.
  const auto damaged = [&](std::string_view what, bool skip_block) {
    in_fragments = false;
    joined.clear();
    const bool go_on = on_damage(at, what);
    if (skip_block) at += kBlockSize - at % kBlockSize;
    return go_on;
  };
  while (at < bytes.size()) {
    const size_t left_in_block = kBlockSize - at % kBlockSize;
    if (left_in_block < kHeaderSize) {  // the block's zero-filled trailer
      at += left_in_block;
      continue;
    }
    if (bytes.size() - at < kHeaderSize) return;
    const unsigned char* h = data + at;
    const Header r = read_header(h);
    if (r.unwritten()) {
      at += left_in_block;
      continue;
    }
    if (r.size + r.length > left_in_block) {
      if (!damaged(fmt::format("its length, {} bytes, crosses its 32 KiB block", r.length), true)) return;
      continue;
    }
    if (!r.fits(at, bytes.size())) return;  // cut off at the log's end
    if (!r.checksum_matches(h)) {
      // Bytes changed inside the payload leave its length right: when a
      // record whose checksum matches follows where it says it ends, the
      // walk goes on there rather than losing the rest of the block.
      const size_t end = at + r.size + r.length;
      const bool resync = sound_record_at(bytes, end);
      if (!damaged("its checksum does not match", !resync)) return;
      if (resync) at = end;
      continue;
    }
    const std::string_view payload(bytes.data() + at + r.size, r.length);
    const unsigned char plain = r.size == kRecyclableHeaderSize ? static_cast<unsigned char>(r.type - 4) : r.type;
    if (plain == kFullType || plain == kFirstType) {
      // A record left unfinished is lost; this one is whole.
      if (in_fragments && !damaged("it begins inside another record", false)) return;
      joined.assign(payload);
      in_fragments = plain == kFirstType;
      if (!in_fragments) on_record(std::move(joined));
    } else if (plain == kMiddleType || plain == kLastType) {
      if (!in_fragments) {
        if (!damaged("it continues a record whose start is missing", false)) return;
      } else {
        joined.append(payload);
        in_fragments = plain == kMiddleType;
        if (!in_fragments) on_record(std::move(joined));
      }
    } else if (r.type == kSetCompressionType) {
      // This build writes no compressed logs (reading their records would
      // need the decompressor): such a log reads as damage from here on.
      if (!damaged("it starts compressed records, which this build does not read", false)) return;
      return;
    } else {
      if (!damaged(fmt::format("its type, {}, is unknown", r.type), false)) return;
    }
    at += r.size + r.length;
  }
}

}  // namespace

WalScan scan_wal(const std::string& path, WalKeep keep) {
  const bool past_damage = keep != WalKeep::kNothing;
  std::map<uint64_t, fs::path> logs;  // by number: oldest first
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".log") continue;
    const std::string stem = p.stem().string();
    if (stem.empty() || stem.find_first_not_of("0123456789") != std::string::npos) continue;
    logs.emplace(std::stoull(stem), p);
  }
  WalScan scan;
  for (const auto& [number, log] : logs) {
    std::ifstream in(log, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) continue;  // unreadable: RocksDB says why
    walk_log(
        bytes,
        [&](std::string&& record) {
          if (keep == WalKeep::kEverything || (keep == WalKeep::kAfterDamage && !scan.damage.empty())) {
            scan.records.push_back(std::move(record));
          }
        },
        [&](size_t at, std::string_view what) {
          if (scan.damage.empty()) {
            scan.damage = fmt::format("the write-ahead log {} ({} bytes) has a damaged record at byte {} ({})",
                                      log.filename().string(), bytes.size(), at, what);
          }
          return past_damage;
        });
    if (!scan.damage.empty() && !past_damage) break;
  }
  return scan;
}

std::string describe_wal_damage(const std::string& path) { return scan_wal(path, WalKeep::kNothing).damage; }

}  // namespace streamll::detail
