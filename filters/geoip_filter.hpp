// geoip_filter.hpp — Logstash's geoip filter on libmaxminddb (MmdbReader).
//
// Options (Logstash names and defaults):
//   source                 the field holding the IP address (required)
//   target                 where results go. ecs_compatibility v1 (default):
//                          the source's parent when the source is [x][ip] or
//                          [x][address], else [source]; results are
//                          [target][ip], [target][geo][city_name|country_name|
//                          country_iso_code|continent_code|region_name|
//                          region_iso_code|postal_code|timezone|location{lat,lon}],
//                          [target][as][number], [target][as][organization][name].
//                          disabled: "geoip", with Logstash's legacy names
//                          (ip, city_name, country_name, country_code2,
//                          country_code3, continent_code, region_name,
//                          region_code, postal_code, timezone, latitude,
//                          longitude, location{lat,lon}, asn, as_org).
//   database               path of a .mmdb file (City/Country or ASN;
//                          relative paths resolve against the config file)
//   default_database_type  "City" (default) or "ASN": without `database`,
//                          <geoip_dir>/GeoLite2-City.mmdb or GeoLite2-ASN.mmdb
//   fields                 only these result fields (names of the mode, as
//                          listed above, case-insensitive)
//   cache_size             addresses whose results are cached (default
//                          1000; see filters/address_cache.hpp)
//   tag_on_failure         ["_geoip_lookup_failure"]
//   ecs_compatibility      "v1" (default) | "disabled"
//
// Per event: an absent source field leaves the event alone (failure, no
// tag). An address that is not an IP, or not in the database, tags the event.
// Results, "not found" included, are cached per address text: at most
// cache_size addresses, the least recently used of a group of 4 replaced
// when the group is full. Text longer than any IP address is not cached.
// The database file is checked at most once a second (by the coarse
// monotonic clock, a few milliseconds of resolution, read per event), when
// an event arrives; when it was replaced (new inode, size or mtime: the
// usual download-and-rename update) it is reopened and the cache emptied;
// if the new file cannot be opened the old mapping stays in use.
//
// A missing DEFAULT database (no `database` option, no file at
// <geoip_dir>/GeoLite2-*.mmdb) is not an error: Debian ships none, and a
// fresh receiver must still ingest. The filter warns once on stderr at build
// time, tags events "_geoip_database_unavailable", and starts enriching once
// the file appears (checked at most once a second).
//
// Errors (build time, ErrorCode::config, all at once): unknown options, a
// named `database` that cannot be opened, a default database that exists but
// is broken, a bad target or field name.
// Cost: a cache hit is one hash of the address text and up to 4 slot
// comparisons, no allocation, plus setting the fields; a miss adds a
// database lookup (about a microsecond).
// Thread-safety: one thread at a time (Filter contract).
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_geoip_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
