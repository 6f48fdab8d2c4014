// logpost-pipeline: see pipeline_command.hpp.
#include <iostream>
#include <string_view>
#include <vector>

#include "tools/pipeline/pipeline_command.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return logpost::tools::run_pipeline_command(args, std::cin, std::cout, std::cerr);
}
