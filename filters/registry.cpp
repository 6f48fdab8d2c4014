#include "filters/registry.hpp"

#include <array>

#include "filters/client_ip_filter.hpp"
#include "filters/date_filter.hpp"
#include "filters/dissect_filter.hpp"
#include "filters/drop_filter.hpp"
#include "filters/geoip_filter.hpp"
#include "filters/grok_filter.hpp"
#include "filters/kv_filter.hpp"
#include "filters/mutate_filter.hpp"
#include "filters/mysql_slowlog_filter.hpp"
#include "filters/sql_fingerprint_filter.hpp"

// Each filter's factory, declared by its own header. Adding a filter: its
// file pair, one include and one line in k_filters below.

namespace logpost::filters {
namespace {

// One line per filter, in alphabetical order.
const FilterRegistration k_filters[] = {
    {"", nullptr},  // placeholder so the array is never empty; skipped below
    {"client_ip", make_client_ip_filter},
    {"date", make_date_filter},
    {"dissect", make_dissect_filter},
    {"drop", make_drop_filter},
    {"geoip", make_geoip_filter},
    {"grok", make_grok_filter},
    {"kv", make_kv_filter},
    {"mutate", make_mutate_filter},
    {"mysql_slowlog", make_mysql_slowlog_filter},
    {"sql_fingerprint", make_sql_fingerprint_filter},
};

}  // namespace

std::span<const FilterRegistration> registered_filters() {
  return std::span<const FilterRegistration>(k_filters + 1, std::size(k_filters) - 1);
}

const FilterRegistration* find_filter(std::string_view name) {
  for (const auto& r : registered_filters())
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace logpost::filters
