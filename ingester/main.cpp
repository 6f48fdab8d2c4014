// main.cpp — logpost-ingest: see ingester/ingest_command.hpp and
// ingester/ingester.hpp (SECURITY).
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "ingester/ingest_command.hpp"

int main(int argc, char** argv) {
  try {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    return logpost::ingester::ingest_main(args);
  } catch (const std::exception& e) {
    std::cerr << "logpost-ingest: fatal: " << e.what() << "\n";
    return logpost::exit_code::software;
  }
}
