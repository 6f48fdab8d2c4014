// logpost-fingerprint: see fingerprint_command.hpp.
#include <iostream>
#include <string_view>
#include <vector>

#include "tools/fingerprint/fingerprint_command.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return logpost::tools::run_fingerprint_command(args, std::cin, std::cout, std::cerr);
}
