// query_command.hpp — logpost-query's command line, as a library function.
//
//   logpost-query top --store sqlite:PATH [--since DURATION] [--host H] [--schema S]
//                     [--user U] [--tenant T] [--order-by total|count|avg|p95|max|rows-examined]
//                     [--limit N] [--json]
//   logpost-query gaps --store sqlite:PATH [--json]
//
// DURATION is as in configuration files (90s, 15m, 24h, 7d). The store is
// opened read-only; writes are impossible from here.
// Exit codes: 0 ok; 64 usage; 66 no such store; 65 not a logpost store;
// 75 store locked.
// SECURITY: reads the store only; output is text from the logs (table mode
// replaces control characters).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace logpost::query {

// Writes the report to `out`, diagnostics to `err`; returns the exit status.
int query_main(std::span<const std::string_view> args, std::string& out, std::string& err);

}  // namespace logpost::query
