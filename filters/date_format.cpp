#include "filters/date_format.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <cctype>
#include <exception>
#include <chrono>
#include <cstring>

namespace logpost::filters {
namespace {

constexpr int64_t k_us_per_second = 1'000'000;
constexpr int64_t k_us_per_day = 86'400 * k_us_per_second;

// Locale data: CLDR-style names as Java prints them (short forms with their
// trailing dot where the language uses one; the dot is optional on input).
const DateLocale k_locales[] = {
    {"en",
     {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
      "December"},
     {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
     {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
     {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
     "AM",
     "PM"},
    {"fr",
     {"janvier", "f\xc3\xa9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\xc3\xbbt", "septembre", "octobre",
      "novembre", "d\xc3\xa9" "cembre"},
     {"janv.", "f\xc3\xa9vr.", "mars", "avr.", "mai", "juin", "juil.", "ao\xc3\xbbt", "sept.", "oct.", "nov.",
      "d\xc3\xa9" "c."},
     {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"},
     {"lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."},
     "AM",
     "PM"},
    {"de",
     {"Januar", "Februar", "M\xc3\xa4rz", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
      "Dezember"},
     {"Jan.", "Feb.", "M\xc3\xa4rz", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."},
     {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"},
     {"Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."},
     "AM",
     "PM"},
    {"es",
     {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
      "diciembre"},
     {"ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sept.", "oct.", "nov.", "dic."},
     {"lunes", "martes", "mi\xc3\xa9rcoles", "jueves", "viernes", "s\xc3\xa1" "bado", "domingo"},
     {"lun.", "mar.", "mi\xc3\xa9.", "jue.", "vie.", "s\xc3\xa1" "b.", "dom."},
     "a. m.",
     "p. m."},
    {"it",
     {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
      "novembre", "dicembre"},
     {"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"},
     {"luned\xc3\xac", "marted\xc3\xac", "mercoled\xc3\xac", "gioved\xc3\xac", "venerd\xc3\xac", "sabato", "domenica"},
     {"lun", "mar", "mer", "gio", "ven", "sab", "dom"},
     "AM",
     "PM"},
    {"nl",
     {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november",
      "december"},
     {"jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."},
     {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"},
     {"ma", "di", "wo", "do", "vr", "za", "zo"},
     "a.m.",
     "p.m."},
    {"pt",
     {"janeiro", "fevereiro", "mar\xc3\xa7o", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
      "novembro", "dezembro"},
     {"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."},
     {"segunda-feira", "ter\xc3\xa7" "a-feira", "quarta-feira", "quinta-feira", "sexta-feira", "s\xc3\xa1" "bado",
      "domingo"},
     {"seg.", "ter.", "qua.", "qui.", "sex.", "s\xc3\xa1" "b.", "dom."},
     "AM",
     "PM"},
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive (ASCII) prefix match of `name` at text[pos].
bool matches_at(std::string_view text, size_t pos, std::string_view name) {
  if (name.empty() || text.size() - pos < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (lower(text[pos + i]) != lower(name[i])) return false;
  return true;
}

// The longest of the names (full, short, short without its dot) at text[pos].
int match_name(std::string_view text, size_t pos, const std::string_view* full, const std::string_view* abbrev,
               int count, size_t& length) {
  int best = -1;
  length = 0;
  for (int i = 0; i < count; ++i) {
    std::string_view candidates[3] = {full[i], abbrev[i], abbrev[i]};
    if (!candidates[2].empty() && candidates[2].back() == '.') candidates[2].remove_suffix(1);
    for (auto c : candidates)
      if (c.size() > length && matches_at(text, pos, c)) {
        best = i;
        length = c.size();
      }
  }
  return best;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Up to max_digits digits (at least one) at text[pos].
bool read_number(std::string_view text, size_t& pos, int max_digits, int64_t& value, int* digits = nullptr) {
  size_t start = pos;
  value = 0;
  while (pos < text.size() && is_digit(text[pos]) && static_cast<int>(pos - start) < max_digits)
    value = value * 10 + (text[pos++] - '0');
  if (digits) *digits = static_cast<int>(pos - start);
  return pos > start;
}

// Fraction digits -> microseconds (extra digits truncated).
int64_t fraction_us(std::string_view text, size_t& pos, int max_digits) {
  int64_t us = 0;
  int n = 0;
  while (pos < text.size() && is_digit(text[pos]) && n < max_digits) {
    if (n < 6) us = us * 10 + (text[pos] - '0');
    ++n;
    ++pos;
  }
  for (int k = n; k < 6; ++k) us *= 10;
  return us;
}

// [+-]HH[[:]MM] or Z; offset in minutes.
bool read_offset(std::string_view text, size_t& pos, int& minutes) {
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
    minutes = 0;
    return true;
  }
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return false;
  int sign = text[pos] == '-' ? -1 : 1;
  ++pos;
  int64_t hh = 0, mm = 0;
  int digits = 0;
  if (!read_number(text, pos, 2, hh, &digits) || digits != 2 || hh > 23) return false;
  if (pos < text.size() && text[pos] == ':') ++pos;
  if (pos < text.size() && is_digit(text[pos])) {
    if (!read_number(text, pos, 2, mm, &digits) || digits != 2 || mm > 59) return false;
  }
  minutes = sign * static_cast<int>(hh * 60 + mm);
  return true;
}

int64_t civil_days(int year, unsigned month, unsigned day) {
  return date::sys_days{date::year{year} / date::month{month} / date::day{day}}.time_since_epoch().count();
}

bool valid_date(int64_t year, int64_t month, int64_t day) {
  if (year < -9999 || year > 99999 || month < 1 || month > 12 || day < 1) return false;
  auto ymd = date::year{static_cast<int>(year)} / date::month{static_cast<unsigned>(month)} / date::last;
  return static_cast<unsigned>(ymd.day()) >= day;
}

int64_t now_year_of(int64_t now_us) {
  auto days = date::sys_days{date::days{now_us / k_us_per_day}};
  return static_cast<int>(date::year_month_day{days}.year());
}

}  // namespace

const DateLocale& DateLocale::english() { return k_locales[0]; }

const DateLocale* DateLocale::find(std::string_view tag) {
  std::string_view language = tag.substr(0, tag.find_first_of("-_"));
  for (const auto& locale : k_locales) {
    if (language.size() != locale.tag.size()) continue;
    bool same = true;
    for (size_t i = 0; i < language.size(); ++i) same = same && lower(language[i]) == locale.tag[i];
    if (same) return &locale;
  }
  return nullptr;
}

std::optional<int64_t> local_to_utc_us(int year, unsigned month, unsigned day, int64_t us_of_day,
                                       const date::time_zone* zone) {
  int64_t days = civil_days(year, month, day);
  int64_t local_us = days * k_us_per_day + us_of_day;
  if (!zone) return local_us;
  auto local_s = date::local_seconds{std::chrono::seconds{
      (local_us >= 0 ? local_us : local_us - (k_us_per_second - 1)) / k_us_per_second}};
  date::local_info info = zone->get_info(local_s);
  if (info.result == date::local_info::nonexistent) return std::nullopt;
  // unique, or ambiguous: `first` is the period before the transition, which
  // gives the earlier of the two instants.
  return local_us - static_cast<int64_t>(info.first.offset.count()) * k_us_per_second;
}

Result<DateFormat> DateFormat::compile(std::string_view format, const DateLocale& locale) {
  DateFormat f;
  f.m_source = std::string(format);
  f.m_locale = &locale;
  if (format == "ISO8601") { f.m_kind = Kind::iso8601; return f; }
  if (format == "UNIX") { f.m_kind = Kind::unix_seconds; return f; }
  if (format == "UNIX_MS") { f.m_kind = Kind::unix_ms; return f; }
  if (format == "TAI64N") { f.m_kind = Kind::tai64n; return f; }
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::config, "date format '" + std::string(format) + "': " + why);
  };
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c == '\'') {
      if (i + 1 < format.size() && format[i + 1] == '\'') {
        f.m_tokens.push_back(Token{0, 0, 0, "'"});
        i += 2;
        continue;
      }
      std::string literal;
      size_t j = i + 1;
      for (;;) {
        if (j >= format.size()) return bad("unterminated quote");
        if (format[j] == '\'') {
          if (j + 1 < format.size() && format[j + 1] == '\'') { literal += '\''; j += 2; continue; }
          break;
        }
        literal += format[j++];
      }
      f.m_tokens.push_back(Token{0, 0, 0, std::move(literal)});
      i = j + 1;
      continue;
    }
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      size_t j = i;
      while (j < format.size() && format[j] == c) ++j;
      int count = static_cast<int>(j - i);
      if (!std::strchr("yYMdDHkhKmsSaEeZz", c))
        return bad(std::string("unsupported Joda letter '") + c + "'");
      if (c == 'y' || c == 'Y') f.m_has_year = true;
      f.m_tokens.push_back(Token{c, count, 0, {}});
      i = j;
      continue;
    }
    if (!f.m_tokens.empty() && f.m_tokens.back().letter == 0) f.m_tokens.back().literal += c;
    else f.m_tokens.push_back(Token{0, 0, 0, std::string(1, c)});
    ++i;
  }
  // Digits per numeric field: as many as the field allows, or exactly the
  // letter count when another number follows without a separator.
  auto numeric = [](const Token& t) {
    return (t.letter != 0 && std::strchr("yYdDHkhKmsSe", t.letter) != nullptr) ||
           (t.letter == 'M' && t.count <= 2);
  };
  for (size_t k = 0; k < f.m_tokens.size(); ++k) {
    Token& t = f.m_tokens[k];
    if (!numeric(t)) continue;
    int field_max = 2;
    switch (t.letter) {
      case 'y': case 'Y': field_max = t.count == 2 ? 2 : 9; break;
      case 'D': field_max = 3; break;
      case 'S': field_max = 9; break;
      case 'e': field_max = 1; break;
      default: break;
    }
    bool next_numeric = k + 1 < f.m_tokens.size() && numeric(f.m_tokens[k + 1]);
    t.max_digits = next_numeric ? std::max(t.count, 1) : std::max(field_max, t.count);
  }
  return f;
}

bool DateFormat::uses_clock() const {
  if (m_kind != Kind::joda) return false;
  if (!m_has_year) return true;
  for (const auto& t : m_tokens)
    if ((t.letter == 'y' || t.letter == 'Y') && t.count == 2) return true;
  return false;
}

std::optional<int64_t> DateFormat::parse(std::string_view text, const date::time_zone* zone, int64_t now_us) const {
  switch (m_kind) {
    case Kind::joda: return parse_joda(text, zone, now_us);
    case Kind::unix_seconds:
    case Kind::unix_ms: {
      size_t pos = 0;
      bool negative = false;
      if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
      int64_t whole = 0;
      int digits = 0;
      if (!read_number(text, pos, 18, whole, &digits) || (pos < text.size() && is_digit(text[pos])))
        return std::nullopt;
      if (m_kind == Kind::unix_ms) {
        if (pos != text.size() || whole > 9'000'000'000'000'000 / 1000) return std::nullopt;
        return (negative ? -whole : whole) * 1000;
      }
      if (whole > 2147483647) return std::nullopt;  // Logstash's limit: beyond it, it is not seconds
      int64_t frac = 0;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        frac = fraction_us(text, pos, 64);
      }
      if (pos != text.size()) return std::nullopt;
      int64_t us = whole * k_us_per_second + frac;
      return negative ? -us : us;
    }
    case Kind::tai64n: {
      std::string_view t = text;
      if (!t.empty() && t[0] == '@') t.remove_prefix(1);
      if (t.size() != 24) return std::nullopt;
      uint64_t label = 0, nanos = 0;
      for (size_t k = 0; k < 24; ++k) {
        char c = t[k];
        int h = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (h < 0) return std::nullopt;
        if (k < 16) label = label * 16 + static_cast<uint64_t>(h);
        else nanos = nanos * 16 + static_cast<uint64_t>(h);
      }
      // TAI64 labels start at 2^62; TAI runs 10 s ahead of UTC (the fixed
      // offset TAI64N timestamps are conventionally written with).
      int64_t seconds = static_cast<int64_t>(label - (uint64_t{1} << 62)) - 10;
      if (nanos >= 1'000'000'000) return std::nullopt;
      return seconds * k_us_per_second + static_cast<int64_t>(nanos / 1000);
    }
    case Kind::iso8601: {
      size_t pos = 0;
      int sign = 1;
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) sign = text[pos++] == '-' ? -1 : 1;
      int64_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, frac = 0;
      int digits = 0;
      if (!read_number(text, pos, 4, year, &digits) || digits != 4) return std::nullopt;
      year *= sign;
      auto two = [&](int64_t& v) {
        int d = 0;
        return read_number(text, pos, 2, v, &d) && d == 2;
      };
      bool extended = pos < text.size() && text[pos] == '-';
      if (extended) {
        ++pos;
        if (!two(month)) return std::nullopt;
        if (pos < text.size() && text[pos] == '-') {
          ++pos;
          if (!two(day)) return std::nullopt;
        }
      } else if (pos < text.size() && is_digit(text[pos])) {
        if (!two(month) || !two(day)) return std::nullopt;
      }
      std::optional<int> offset;
      if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
        ++pos;
        if (!two(hour)) return std::nullopt;
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (pos < text.size() && is_digit(text[pos])) {
          if (!two(minute)) return std::nullopt;
          if (pos < text.size() && text[pos] == ':') ++pos;
          if (pos < text.size() && is_digit(text[pos])) {
            if (!two(second)) return std::nullopt;
            if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
              ++pos;
              if (pos >= text.size() || !is_digit(text[pos])) return std::nullopt;
              frac = fraction_us(text, pos, 64);
            }
          }
        }
        if (pos < text.size()) {
          int minutes = 0;
          if (!read_offset(text, pos, minutes)) return std::nullopt;
          offset = minutes;
        }
      } else if (pos < text.size()) {
        int minutes = 0;
        if (!read_offset(text, pos, minutes)) return std::nullopt;
        offset = minutes;
      }
      if (pos != text.size()) return std::nullopt;
      if (!valid_date(year, month, day) || hour > 24 || minute > 59 || second > 60) return std::nullopt;
      int64_t us_of_day = ((hour * 60 + minute) * 60 + second) * k_us_per_second + frac;
      if (offset)
        return civil_days(static_cast<int>(year), static_cast<unsigned>(month), static_cast<unsigned>(day)) *
                   k_us_per_day + us_of_day - int64_t{*offset} * 60 * k_us_per_second;
      return local_to_utc_us(static_cast<int>(year), static_cast<unsigned>(month), static_cast<unsigned>(day),
                             us_of_day, zone);
    }
  }
  return std::nullopt;
}

std::optional<int64_t> DateFormat::parse_joda(std::string_view text, const date::time_zone* zone, int64_t now_us) const {
  int64_t year = 0, month = 1, day = 1, day_of_year = 0, hour = 0, minute = 0, second = 0, frac = 0;
  bool pm = false, has_ampm = false, two_digit_year = false, has_year = false;
  int hour_kind = 'H';
  std::optional<int> offset;
  const date::time_zone* text_zone = nullptr;
  size_t pos = 0;
  const DateLocale& loc = *m_locale;
  for (const Token& t : m_tokens) {
    if (t.letter == 0) {
      if (!matches_at(text, pos, t.literal)) return std::nullopt;
      pos += t.literal.size();
      continue;
    }
    int64_t v = 0;
    int digits = 0;
    switch (t.letter) {
      case 'y': case 'Y': {
        bool negative = pos < text.size() && text[pos] == '-' && t.count != 2;
        if (negative) ++pos;
        if (!read_number(text, pos, t.max_digits, v, &digits)) return std::nullopt;
        year = negative ? -v : v;
        has_year = true;
        two_digit_year = t.count == 2 && digits == 2;
        break;
      }
      case 'M':
        if (t.count <= 2) {
          if (!read_number(text, pos, t.max_digits, month)) return std::nullopt;
        } else {
          size_t length = 0;
          int m = match_name(text, pos, loc.months_full, loc.months_short, 12, length);
          if (m < 0) return std::nullopt;
          month = m + 1;
          pos += length;
        }
        break;
      case 'd': if (!read_number(text, pos, t.max_digits, day)) return std::nullopt; break;
      case 'D': if (!read_number(text, pos, t.max_digits, day_of_year)) return std::nullopt; break;
      case 'H': case 'k': case 'h': case 'K':
        if (!read_number(text, pos, t.max_digits, hour)) return std::nullopt;
        hour_kind = t.letter;
        break;
      case 'm': if (!read_number(text, pos, t.max_digits, minute)) return std::nullopt; break;
      case 's': if (!read_number(text, pos, t.max_digits, second)) return std::nullopt; break;
      case 'S': {
        size_t start = pos;
        frac = fraction_us(text, pos, t.max_digits);
        if (pos == start) return std::nullopt;
        break;
      }
      case 'e': if (!read_number(text, pos, t.max_digits, v)) return std::nullopt; break;
      case 'E': {
        size_t length = 0;
        if (match_name(text, pos, loc.days_full, loc.days_short, 7, length) < 0) return std::nullopt;
        pos += length;
        break;
      }
      case 'a':
        if (matches_at(text, pos, loc.am)) { pos += loc.am.size(); pm = false; }
        else if (matches_at(text, pos, loc.pm)) { pos += loc.pm.size(); pm = true; }
        else if (matches_at(text, pos, "AM")) { pos += 2; pm = false; }
        else if (matches_at(text, pos, "PM")) { pos += 2; pm = true; }
        else return std::nullopt;
        has_ampm = true;
        break;
      case 'Z':
        if (t.count <= 2) {
          int minutes = 0;
          if (!read_offset(text, pos, minutes)) return std::nullopt;
          offset = minutes;
        } else {
          size_t start = pos;
          while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) || std::strchr("/_+-", text[pos])))
            ++pos;
          if (pos == start) return std::nullopt;
          try {
            text_zone = date::locate_zone(std::string(text.substr(start, pos - start)));
          } catch (const std::exception&) {
            return std::nullopt;
          }
        }
        break;
      case 'z': {
        static constexpr std::pair<std::string_view, int> k_abbreviations[] = {
            {"UTC", 0}, {"GMT", 0}, {"UT", 0}, {"Z", 0}, {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
            {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}};
        bool found = false;
        for (const auto& [name, minutes] : k_abbreviations)
          if (matches_at(text, pos, name) && !(pos + name.size() < text.size() && std::isalpha(static_cast<unsigned char>(text[pos + name.size()])))) {
            pos += name.size();
            offset = minutes;
            found = true;
            break;
          }
        if (!found) return std::nullopt;
        break;
      }
      default: return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;

  int64_t now_year = now_year_of(now_us);
  if (two_digit_year) {
    // Joda's pivot: two-digit years fall in [now - 80, now + 19].
    year += now_year - (now_year % 100);
    if (year > now_year + 19) year -= 100;
    else if (year < now_year - 80) year += 100;
  }
  switch (hour_kind) {
    case 'k': if (hour < 1 || hour > 24) return std::nullopt; hour %= 24; break;
    case 'h': if (hour < 1 || hour > 12) return std::nullopt; hour %= 12; break;
    case 'K': if (hour > 11) return std::nullopt; break;
    default: if (hour > 23) return std::nullopt; break;
  }
  if (has_ampm) {
    if (hour > 12) return std::nullopt;
    if (hour_kind == 'H' && hour == 12) hour = 0;
    if (pm) hour += 12;
  }
  if (minute > 59 || second > 59) return std::nullopt;
  int64_t us_of_day = ((hour * 60 + minute) * 60 + second) * k_us_per_second + frac;

  auto resolve = [&](int64_t y) -> std::optional<int64_t> {
    int64_t m = month, d = day;
    if (day_of_year > 0) {
      bool leap = date::year{static_cast<int>(y)}.is_leap();
      if (day_of_year > (leap ? 366 : 365)) return std::nullopt;
      auto ymd = date::year_month_day{date::sys_days{date::year{static_cast<int>(y)} / 1 / 1} +
                                      date::days{day_of_year - 1}};
      m = static_cast<unsigned>(ymd.month());
      d = static_cast<unsigned>(ymd.day());
    }
    if (!valid_date(y, m, d)) return std::nullopt;
    if (offset)
      return civil_days(static_cast<int>(y), static_cast<unsigned>(m), static_cast<unsigned>(d)) * k_us_per_day +
             us_of_day - int64_t{*offset} * 60 * k_us_per_second;
    return local_to_utc_us(static_cast<int>(y), static_cast<unsigned>(m), static_cast<unsigned>(d), us_of_day,
                           text_zone ? text_zone : zone);
  };
  if (has_year || m_has_year) return resolve(year);
  // No year in the format: this year, unless that is in the future (more
  // than a day ahead, for clock skew): then the year before.
  auto guess = resolve(now_year);
  if (guess && *guess > now_us + k_us_per_day) return resolve(now_year - 1);
  return guess;
}

}  // namespace logpost::filters
