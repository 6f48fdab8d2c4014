// main.cpp — logpost-query: see query/query_command.hpp.
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "query/query_command.hpp"

int main(int argc, char** argv) {
  try {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    std::string out, err;
    int code = logpost::query::query_main(args, out, err);
    std::cout << out << std::flush;
    std::cerr << err;
    return code;
  } catch (const std::exception& e) {
    std::cerr << "logpost-query: fatal: " << e.what() << "\n";
    return logpost::exit_code::software;
  }
}
