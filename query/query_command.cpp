// query_command.cpp — argument parsing and dispatch.
#include "query/query_command.hpp"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <optional>

#include "common/config.hpp"
#include "common/sqlite_db.hpp"
#include "query/gaps_report.hpp"
#include "query/top_report.hpp"

namespace logpost::query {

namespace {
constexpr std::string_view k_usage =
    "usage: logpost-query top --store sqlite:PATH [--since DURATION] [--host H] [--schema S] [--user U]\n"
    "                         [--tenant T] [--order-by total|count|avg|p95|max|rows-examined] [--limit N] [--json]\n"
    "       logpost-query gaps --store sqlite:PATH [--json]\n";

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

int query_main(std::span<const std::string_view> args, std::string& out, std::string& err) {
  auto usage = [&](const std::string& why) {
    err += "logpost-query: " + why + "\n" + std::string(k_usage);
    return exit_code::usage;
  };
  if (args.empty()) return usage("missing command");
  std::string_view command = args[0];
  if (command == "--help" || command == "-h") {
    out += k_usage;
    return exit_code::ok;
  }
  if (command != "top" && command != "gaps") return usage("unknown command '" + std::string(command) + "'");
  std::optional<std::string> store;
  TopOptions top;
  bool json = false;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return std::string(args[++i]);
    };
    std::optional<std::string> v;
    if (a == "--json") {
      json = true;
      continue;
    }
    bool top_only = a == "--since" || a == "--host" || a == "--schema" || a == "--user" || a == "--tenant" ||
                    a == "--order-by" || a == "--limit";
    if (a != "--store" && !top_only) return usage("unknown argument '" + std::string(a) + "'");
    if (top_only && command != "top") return usage(std::string(a) + " applies to 'top' only");
    v = value();
    if (!v) return usage(std::string(a) + " needs a value");
    if (a == "--store") {
      store = *v;
    } else if (a == "--since") {
      auto d = parse_duration(*v);
      if (!d) return usage("--since: " + d.error().message);
      top.since_us = now_us() - std::chrono::duration_cast<std::chrono::microseconds>(*d).count();
    } else if (a == "--host") {
      top.host = *v;
    } else if (a == "--schema") {
      top.schema = *v;
    } else if (a == "--user") {
      top.user = *v;
    } else if (a == "--tenant") {
      top.tenant = *v;
    } else if (a == "--order-by") {
      auto o = parse_top_order(*v);
      if (!o) return usage("--order-by: unknown order '" + *v + "'");
      top.order = *o;
    } else if (a == "--limit") {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || ptr != v->data() + v->size() || n < 1)
        return usage("--limit: expected a positive integer");
      top.limit = n;
    }
  }
  if (!store) return usage("--store is required");
  if (store->substr(0, 7) != "sqlite:" || store->size() == 7)
    return usage("--store: only sqlite:PATH stores can be queried");
  std::filesystem::path path = store->substr(7);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    err += "logpost-query: " + path.string() + ": no such store\n";
    return exit_code::no_input;
  }
  auto db = SqliteDb::open(path, SqliteDb::Mode::read_only);
  if (!db) {
    err += "logpost-query: " + db.error().message + "\n";
    return exit_code_for(db.error().code);
  }
  if (command == "top") {
    auto classes = top_queries(*db, top);
    if (!classes) {
      err += "logpost-query: " + classes.error().message + "\n";
      return classes.error().code == ErrorCode::not_found ? exit_code::data_error : exit_code_for(classes.error().code);
    }
    out += json ? format_top_json(*classes) : format_top_table(*classes);
    return exit_code::ok;
  }
  auto gaps = shipment_gaps(*db);
  if (!gaps) {
    err += "logpost-query: " + gaps.error().message + "\n";
    return gaps.error().code == ErrorCode::not_found ? exit_code::data_error : exit_code_for(gaps.error().code);
  }
  out += json ? format_gaps_json(*gaps) : format_gaps_table(*gaps, now_us());
  return exit_code::ok;
}

}  // namespace logpost::query
