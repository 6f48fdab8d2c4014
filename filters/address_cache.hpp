// address_cache.hpp — a bounded cache keyed by IP address text, for the
// geoip filter: one flat table, no allocation per lookup or per insert.
//
// The table is set-associative: a key hashes to one set of k_ways slots, and
// the key text lives inline in its slot (k_max_key bytes, enough for any IP
// address text, INET6_ADDRSTRLEN - 1). A lookup hashes the key once and
// compares at most k_ways slots; an insert into a full set replaces the
// least recently used slot of that set (an approximation of a global LRU:
// the entry evicted is the oldest of the k_ways candidates, not of the
// whole cache).
//
// Contract:
// - At most capacity() entries are held (the constructor's capacity, at
//   least 1). The table starts small and doubles while sets overflow, up to
//   the smallest power-of-two number of sets with 2 * capacity() slots: at
//   most half full, few sets overflow, so nearly capacity() entries stay
//   (full, a 4-way table would keep only about 80%). Memory follows use: a
//   huge cache_size costs nothing until it fills.
// - Keys longer than k_max_key are never cached: find() misses and insert()
//   returns null; the caller keeps such an entry itself. insert() also
//   returns null in the rare case that the cache is at capacity and the
//   key's set is empty (nothing there to replace).
// - Pointers returned by find() and insert() stay valid until the next
//   insert() or clear().
// Cost: find hashes the key (a few multiplications per 8 bytes) and compares
// up to k_ways slots; insert does the same plus, rarely, a doubling rehash.
// Thread-safety: one thread at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace logpost::filters {

template <typename Entry>
class AddressCache {
 public:
  static constexpr size_t k_max_key = 45;
  static constexpr size_t k_ways = 4;

  explicit AddressCache(size_t capacity) : m_capacity(capacity < 1 ? 1 : capacity) {
    size_t sets = 1;
    while (sets * k_ways < 2 * m_capacity) sets *= 2;
    m_max_sets = sets;
    m_slots.resize(std::min<size_t>(m_max_sets, k_initial_sets) * k_ways);
  }

  [[nodiscard]] size_t capacity() const { return m_capacity; }
  [[nodiscard]] size_t size() const { return m_size; }

  Entry* find(std::string_view key) {
    if (key.size() > k_max_key) return nullptr;
    const uint64_t hash = hash_key(key);
    Slot* set = set_of(hash);
    const auto tag = static_cast<uint32_t>(hash);
    for (size_t way = 0; way < k_ways; ++way) {
      Slot& slot = set[way];
      if (slot.last_use != 0 && slot.tag == tag && slot.length == key.size() &&
          std::memcmp(slot.key.data(), key.data(), key.size()) == 0) {
        slot.last_use = ++m_clock;
        return &slot.entry;
      }
    }
    return nullptr;
  }

  // The key must be absent (the caller's find() just missed). `entry` is
  // moved from only when it is stored (a non-null result).
  Entry* insert(std::string_view key, Entry&& entry) {
    if (key.size() > k_max_key) return nullptr;
    const uint64_t hash = hash_key(key);
    for (;;) {
      Slot* set = set_of(hash);
      Slot* free_slot = nullptr;
      Slot* oldest = nullptr;
      for (size_t way = 0; way < k_ways; ++way) {
        Slot& slot = set[way];
        if (slot.last_use == 0) {
          if (!free_slot) free_slot = &slot;
        } else if (!oldest || slot.last_use < oldest->last_use) {
          oldest = &slot;
        }
      }
      Slot* target = nullptr;
      if (free_slot && m_size < m_capacity) {
        target = free_slot;
        ++m_size;
      } else if (!free_slot && m_size < m_capacity && sets() < m_max_sets) {
        grow();
        continue;
      } else if (oldest) {
        target = oldest;  // full: replace the least recently used of this set
      } else {
        return nullptr;  // at capacity and this set is empty: nothing to replace here
      }
      target->last_use = ++m_clock;
      target->tag = static_cast<uint32_t>(hash);
      target->length = static_cast<uint8_t>(key.size());
      std::memcpy(target->key.data(), key.data(), key.size());
      target->entry = std::move(entry);
      return &target->entry;
    }
  }

  void clear() {
    m_slots.assign(std::min<size_t>(m_max_sets, k_initial_sets) * k_ways, Slot{});
    m_size = 0;
  }

 private:
  static constexpr size_t k_initial_sets = 16;

  struct Slot {
    uint64_t last_use = 0;  // 0: empty
    uint32_t tag = 0;       // low half of the key's hash
    uint8_t length = 0;
    std::array<char, k_max_key> key{};
    Entry entry{};
  };

  [[nodiscard]] size_t sets() const { return m_slots.size() / k_ways; }
  // The set index comes from the hash's high half, the tag from its low half.
  Slot* set_of(uint64_t hash) { return &m_slots[((hash >> 32) & (sets() - 1)) * k_ways]; }

  static uint64_t hash_key(std::string_view key) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ key.size();
    size_t i = 0;
    for (; i + 8 <= key.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, key.data() + i, 8);
      h = (h ^ word) * 0xff51afd7ed558ccdull;
      h ^= h >> 32;
    }
    // The last 1-7 bytes: overlapping fixed-size loads (the bytes hashed
    // twice are the same for equal keys, so equal keys hash equal).
    const size_t rest = key.size() - i;
    uint64_t tail = 0;
    if (key.size() >= 8 && rest > 0) {
      std::memcpy(&tail, key.data() + key.size() - 8, 8);
    } else if (rest >= 4) {
      uint32_t head4, tail4;
      std::memcpy(&head4, key.data() + i, 4);
      std::memcpy(&tail4, key.data() + key.size() - 4, 4);
      tail = (static_cast<uint64_t>(head4) << 32) | tail4;
    } else {
      for (size_t k = i; k < key.size(); ++k) tail = (tail << 8) | static_cast<unsigned char>(key[k]);
    }
    // A full 64-bit finaliser: keys differing in a few characters (IP
    // addresses of one network) must still spread over all sets.
    h ^= tail;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
  }

  // Doubles the number of sets. With a power-of-two set count, set s splits
  // into s and s + old count, so every old set's entries fit their new sets.
  void grow() {
    std::vector<Slot> old = std::move(m_slots);
    m_slots = std::vector<Slot>(old.size() * 2);
    for (auto& slot : old) {
      if (slot.last_use == 0) continue;
      Slot* set = set_of(rehash_of(slot));
      for (size_t way = 0; way < k_ways; ++way) {
        if (set[way].last_use == 0) {
          set[way] = std::move(slot);
          break;
        }
      }
    }
  }
  static uint64_t rehash_of(const Slot& slot) {
    return hash_key(std::string_view(slot.key.data(), slot.length));
  }

  size_t m_capacity;
  size_t m_max_sets = 1;
  size_t m_size = 0;
  uint64_t m_clock = 0;
  std::vector<Slot> m_slots;
};

}  // namespace logpost::filters
