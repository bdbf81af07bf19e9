#include "redis/url.hpp"

#include <charconv>

#include <fmt/format.h>

namespace streamll::redis {

namespace {

// Percent-decodes a userinfo part (passwords may hold '@' or ':' encoded).
bool percent_decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    unsigned value = 0;
    if (in.size() - i < 3 ||
        std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16).ptr != in.data() + i + 3) {
      return false;
    }
    out->push_back(static_cast<char>(value));
    i += 2;
  }
  return true;
}

bool parse_int(std::string_view s, int min, int max, int* out) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

// `url` as typed, with a password (what follows ':' before the last '@' of
// the part before the path) shown as ***, for messages.
std::string without_password(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t path = url.find('/', start);
  const size_t at = url.substr(0, path).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  const size_t colon = url.substr(0, at).find(':', start);
  const size_t secret = colon == std::string_view::npos ? start : colon + 1;
  return fmt::format("{}***{}", url.substr(0, secret), url.substr(at));
}

}  // namespace

std::string RedisUrl::display() const {
  std::string auth;
  if (!user.empty() || !password.empty()) auth = fmt::format("{}{}@", user, password.empty() ? "" : ":***");
  return fmt::format("redis://{}{}:{}/{}", auth, host, port, db);
}

Status parse_url(std::string_view url, RedisUrl* out) {
  const auto bad = [url](std::string_view why) {
    return Status::invalid_argument(fmt::format("bad Redis URL '{}': {} (expected redis://[:password@]host:port[/db])",
                                                without_password(url), why));
  };
  RedisUrl r;
  std::string_view rest = url;
  if (rest.starts_with("rediss://") || rest.starts_with("unix://")) {
    return Status::not_supported(
        fmt::format("Redis URL '{}': TLS (rediss://) and unix sockets are not supported; use redis://host:port", url));
  }
  if (!rest.starts_with("redis://")) return bad("the scheme must be redis://");
  rest.remove_prefix(8);

  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (const auto q = db.find('?'); q != std::string_view::npos) db = db.substr(0, q);
    if (!db.empty() && !parse_int(db, 0, 1 << 20, &r.db)) return bad("the database must be a number");
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    const std::string_view user = colon == std::string_view::npos ? std::string_view() : userinfo.substr(0, colon);
    const std::string_view password = colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
    if (!percent_decode(user, &r.user) || !percent_decode(password, &r.password)) return bad("bad %-escape");
  }
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:6379
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed [ in the host");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return bad("junk after the host");
    if (!rest.empty() && !parse_int(rest.substr(1), 1, 65535, &r.port)) return bad("the port must be 1-65535");
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    if (!parse_int(rest.substr(colon + 1), 1, 65535, &r.port)) return bad("the port must be 1-65535");
  }
  if (!host.empty()) r.host = std::string(host);
  *out = std::move(r);
  return Status::ok_status();
}

}  // namespace streamll::redis
