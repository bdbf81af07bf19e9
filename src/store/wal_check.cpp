#include "store/wal_check.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <map>

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

std::string damage(size_t at, std::string_view what) {
  return fmt::format("has a damaged record at byte {} ({})", at, what);
}

// The first damage in one log's bytes, or "". A record cut off at its end is
// what a crash leaves (in any log: the one before the newest too, after a
// power loss), not damage: RocksDB reads the records before it.
std::string first_damage(const std::string& bytes) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t at = 0;
  bool in_fragments = false;
  while (at < bytes.size()) {
    const size_t left_in_block = kBlockSize - at % kBlockSize;
    if (left_in_block < kHeaderSize) {  // the block's zero-filled trailer
      at += left_in_block;
      continue;
    }
    if (bytes.size() - at < kHeaderSize) return "";
    const unsigned char* h = data + at;
    const uint32_t stored = static_cast<uint32_t>(h[0]) | static_cast<uint32_t>(h[1]) << 8 |
                            static_cast<uint32_t>(h[2]) << 16 | static_cast<uint32_t>(h[3]) << 24;
    const size_t length = static_cast<size_t>(h[4]) | static_cast<size_t>(h[5]) << 8;
    const unsigned char type = h[6];
    if (type == kZeroType && length == 0) {  // space preallocated, never written
      at += left_in_block;
      continue;
    }
    const size_t header = type >= kRecyclableFullType && type <= kRecyclableLastType ? kRecyclableHeaderSize
                                                                                    : kHeaderSize;
    if (header + length > left_in_block) {
      return damage(at, fmt::format("its length, {} bytes, crosses its 32 KiB block", length));
    }
    if (at + header + length > bytes.size()) return "";
    if (unmask(stored) != crc32c(h + 6, header - 6 + length)) {
      return damage(at, "its checksum does not match");
    }
    const unsigned char plain = header == kRecyclableHeaderSize ? static_cast<unsigned char>(type - 4) : type;
    if (plain == kFullType || plain == kFirstType) {
      if (in_fragments) return damage(at, "it begins inside another record");
      in_fragments = plain == kFirstType;
    } else if (plain == kMiddleType || plain == kLastType) {
      if (!in_fragments) return damage(at, "it continues a record whose start is missing");
      in_fragments = plain == kMiddleType;
    } else if (type != kSetCompressionType) {
      return damage(at, fmt::format("its type, {}, is unknown", type));
    }
    at += header + length;
  }
  return "";
}

}  // namespace

std::string describe_wal_damage(const std::string& path) {
  std::map<uint64_t, fs::path> logs;  // by number: oldest first
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".log") continue;
    const std::string stem = p.stem().string();
    if (stem.empty() || stem.find_first_not_of("0123456789") != std::string::npos) continue;
    logs.emplace(std::stoull(stem), p);
  }
  for (const auto& [number, log] : logs) {
    std::ifstream in(log, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) continue;  // unreadable: RocksDB says why
    const std::string found = first_damage(bytes);
    if (!found.empty()) {
      return fmt::format("the write-ahead log {} ({} bytes) {}", log.filename().string(), bytes.size(),
                         found);
    }
  }
  return "";
}

}  // namespace streamll::detail
