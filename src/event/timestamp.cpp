#include "streamll/timestamp.hpp"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "event/json_writer.hpp"

namespace streamll {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm:
// eras of 400 years, years starting in March so the leap day comes last).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` ASCII digits at text[*pos]; false if any is not a digit.
bool read_digits(std::string_view text, size_t* pos, size_t n, unsigned* value) {
  if (*pos + n > text.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

bool expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

Status bad(std::string_view text, std::string_view why) {
  return Status::invalid_argument(fmt::format("invalid timestamp \"{}\": {}", detail::excerpt(text), why));
}

}  // namespace

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t event_now() {
  const int64_t ns = now_ns();
  return ns - ns % 1000;
}

void append_timestamp(int64_t ns, std::string* out) {
  int64_t seconds = ns / kNanosPerSecond;
  int64_t frac = ns % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --seconds;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t sod = seconds % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  // Digits written in place, two at a time from a table (fmt's format_to
  // cost about as much as the rest of a row in an SQL scan that returns the
  // timestamp column; a digit at a time 28 ns a call, 20 this way).
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char buf[31] = "0000-00-00T00:00:00.000000000Z";
  const auto put2 = [&buf](size_t at, uint64_t v) { std::memcpy(buf + at, kPairs + 2 * v, 2); };
  const uint64_t year = static_cast<uint64_t>(date.year) % 10000;
  put2(0, year / 100);
  put2(2, year % 100);
  put2(5, date.month);
  put2(8, date.day);
  put2(11, static_cast<uint64_t>(sod / 3600));
  put2(14, static_cast<uint64_t>(sod / 60 % 60));
  put2(17, static_cast<uint64_t>(sod % 60));
  uint64_t f = static_cast<uint64_t>(frac);
  if (f % 1000 == 0) {
    f /= 1000;  // microseconds: six digits
    put2(24, f % 100);
    put2(22, f / 100 % 100);
    put2(20, f / 10000);
    buf[26] = 'Z';
    out->append(buf, 27);
  } else {
    buf[28] = static_cast<char>('0' + f % 10);
    f /= 10;
    put2(26, f % 100);
    put2(24, f / 100 % 100);
    put2(22, f / 10000 % 100);
    put2(20, f / 1000000);
    out->append(buf, 30);
  }
}

std::string format_timestamp(int64_t ns) {
  std::string out;
  out.reserve(32);
  append_timestamp(ns, &out);
  return out;
}

Status parse_timestamp(std::string_view text, int64_t* out) {
  size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, &pos, 4, &year) || !expect(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &month) || !expect(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &day)) {
    return bad(text, "expected a date YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return bad(text, "expected 'T' or ' ' between date and time");
  }
  ++pos;
  if (!read_digits(text, &pos, 2, &hour) || !expect(text, &pos, ':') ||
      !read_digits(text, &pos, 2, &minute) || !expect(text, &pos, ':') ||
      !read_digits(text, &pos, 2, &second)) {
    return bad(text, "expected a time HH:MM:SS");
  }
  if (month < 1 || month > 12) return bad(text, "month out of range");
  if (day < 1 || day > days_in_month(year, month)) return bad(text, "day out of range");
  if (hour > 23 || minute > 59 || second > 59) return bad(text, "time of day out of range");

  int64_t frac_ns = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    size_t digits = 0;
    int64_t scale = kNanosPerSecond;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) return bad(text, "more than 9 fraction digits");
      scale /= 10;
      frac_ns += (text[pos] - '0') * scale;
      ++pos;
    }
    if (digits == 0) return bad(text, "expected digits after the decimal point");
  }

  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    unsigned off_h, off_m;
    if (!read_digits(text, &pos, 2, &off_h)) return bad(text, "expected a UTC offset +HH:MM");
    expect(text, &pos, ':');
    if (!read_digits(text, &pos, 2, &off_m)) return bad(text, "expected a UTC offset +HH:MM");
    if (off_h > 23 || off_m > 59) return bad(text, "UTC offset out of range");
    offset_seconds = sign * static_cast<int64_t>(off_h * 3600 + off_m * 60);
  } else {
    return bad(text, "missing time zone ('Z' or an offset like +00:00)");
  }
  if (pos != text.size()) return bad(text, "unexpected characters after the time zone");

  // No overflow here: four-digit years are within +-2^38 seconds.
  int64_t seconds = days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600 +
                    minute * 60 + second - offset_seconds;
  // seconds * 10^9 + frac_ns, accepting every instant of the int64 range
  // (what format_timestamp writes). Before the epoch a fraction is taken
  // from the next second up, so that the product cannot overflow while the
  // sum fits (the first instant, 1677-09-21T00:12:43.145224192Z).
  if (seconds < 0 && frac_ns > 0) {
    ++seconds;
    frac_ns -= kNanosPerSecond;
  }
  int64_t ns;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &ns) || __builtin_add_overflow(ns, frac_ns, &ns)) {
    return bad(text, "outside the representable range (years 1677 to 2262)");
  }
  *out = ns;
  return Status::ok_status();
}

}  // namespace streamll
