// logpost-ship: see shipper/shipper.hpp (and docs/shipper.md).
#include <iostream>

#include "shipper/options.hpp"
#include "shipper/shipper.hpp"

int main(int argc, char** argv) {
  using namespace logpost;
  auto options = shipper::parse_options(argc, argv);
  if (!options) {
    std::cerr << "logpost-ship: " << options.error().message << "\n" << shipper::usage_text();
    return exit_code::usage;
  }
  try {
    return shipper::run_logpost_ship(*options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "logpost-ship: internal error: " << e.what() << "\n";
    return exit_code::software;
  }
}
