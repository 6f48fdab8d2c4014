// AddressCache (filters/address_cache.hpp), the geoip filter's result
// cache: hits, least-recently-used replacement within a set, the capacity
// bound, keys too long to cache, clear(), growth keeping entries.
#include <gtest/gtest.h>

#include <string>

#include "filters/address_cache.hpp"

namespace logpost::filters {
namespace {

using Cache = AddressCache<std::string>;

std::string value_of(Cache& cache, std::string_view key) {
  const std::string* v = cache.find(key);
  return v ? *v : std::string("<miss>");
}

std::string entry(std::string text) { return text; }

TEST(AddressCache, FindsWhatWasInserted) {
  Cache cache(1000);
  EXPECT_EQ(cache.find("203.0.113.7"), nullptr);
  ASSERT_NE(cache.insert("203.0.113.7", entry("a")), nullptr);
  ASSERT_NE(cache.insert("2001:db8::1", entry("b")), nullptr);
  EXPECT_EQ(value_of(cache, "203.0.113.7"), "a");
  EXPECT_EQ(value_of(cache, "2001:db8::1"), "b");
  EXPECT_EQ(value_of(cache, "203.0.113.70"), "<miss>");  // a longer key sharing the prefix
  EXPECT_EQ(value_of(cache, "203.0.113."), "<miss>");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(AddressCache, ReplacesTheLeastRecentlyUsedOfAFullSet) {
  // Capacity 4: one set of 4 ways, so the replacement order is exact LRU.
  Cache cache(4);
  for (const char* key : {"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"}) cache.insert(key, entry(key));
  EXPECT_EQ(value_of(cache, "1.1.1.1"), "1.1.1.1");  // now the most recently used
  cache.insert("5.5.5.5", entry("5.5.5.5"));          // replaces 2.2.2.2, the oldest
  EXPECT_EQ(value_of(cache, "2.2.2.2"), "<miss>");
  for (const char* key : {"1.1.1.1", "3.3.3.3", "4.4.4.4", "5.5.5.5"}) EXPECT_EQ(value_of(cache, key), key);
  EXPECT_EQ(cache.size(), 4u);
}

TEST(AddressCache, NeverHoldsMoreThanItsCapacity) {
  for (size_t capacity : {1u, 3u, 5u, 1000u}) {
    Cache cache(capacity);
    for (int i = 0; i < 5000; ++i) {
      const std::string key = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
      if (!cache.find(key)) cache.insert(key, entry(key));
      ASSERT_LE(cache.size(), capacity);
      if (const std::string* v = cache.find(key)) {
        ASSERT_EQ(*v, key);
      }
    }
  }
}

TEST(AddressCache, GrowsToHoldMostOfItsCapacity) {
  // The table starts small and doubles; entries survive the doublings.
  Cache cache(1000);
  for (int i = 0; i < 1000; ++i) cache.insert("192.0.2." + std::to_string(i), entry(std::to_string(i)));
  size_t found = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string* v = cache.find("192.0.2." + std::to_string(i));
    if (v) {
      EXPECT_EQ(*v, std::to_string(i));
      ++found;
    }
  }
  // 2048 slots for 1000 keys: only overflowing sets (more than 4 of the
  // keys, about 4% of them for a uniform hash) replaced anything.
  EXPECT_GE(found, 940u);
}

TEST(AddressCache, KeysLongerThanAnyAddressAreNotCached) {
  Cache cache(10);
  const std::string longest(Cache::k_max_key, '1');
  const std::string too_long(Cache::k_max_key + 1, '1');
  EXPECT_NE(cache.insert(longest, entry("fits")), nullptr);
  std::string kept = "kept by the caller";
  EXPECT_EQ(cache.insert(too_long, std::move(kept)), nullptr);
  EXPECT_EQ(kept, "kept by the caller");  // not moved from when not stored
  EXPECT_EQ(cache.find(too_long), nullptr);
  EXPECT_EQ(value_of(cache, longest), "fits");
}

TEST(AddressCache, ClearEmptiesIt) {
  Cache cache(100);
  for (int i = 0; i < 50; ++i) cache.insert("198.51.100." + std::to_string(i), entry("x"));
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(cache.find("198.51.100." + std::to_string(i)), nullptr);
  ASSERT_NE(cache.insert("198.51.100.1", entry("again")), nullptr);
  EXPECT_EQ(value_of(cache, "198.51.100.1"), "again");
}

}  // namespace
}  // namespace logpost::filters
