// shipment_part.cpp — verification and event extraction of one part.
#include "ingester/shipment_part.hpp"

#include <charconv>
#include <cstring>

#include "common/crypto.hpp"
#include "common/envelope.hpp"
#include "common/gzip.hpp"

namespace logpost::ingester {

namespace {

// Runs the attachment through gunzip, calling `on_chunk` with each piece of
// decompressed text (at most 64 KiB: the decompressor's buffer, so even a
// crafted stream is checked against the limit after every piece). The output
// limit turns a gzip bomb into an error.
Result<void> gunzip_stream(std::string_view gz, uint64_t limit, const std::function<void(std::string_view)>& on_chunk) {
  GzipDecompressor decompressor(limit);
  auto r = decompressor.write(gz, on_chunk);
  if (!r) return r;
  return decompressor.finish();
}

// Newlines in `text`: memchr skips a line at a time (an access-log line is
// ~200 bytes), far cheaper than comparing byte by byte.
uint64_t count_newlines(std::string_view text) {
  uint64_t n = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (!nl) break;
    ++n;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

bool has_flag(const ShipmentHeaders& h, std::string_view flag) {
  for (const auto& f : h.flags)
    if (f == flag) return true;
  return false;
}

}  // namespace

std::string event_id(std::string_view shipment_id, uint64_t source_offset) {
  // Sized once: one allocation (appending '-' and the digits to a copy of
  // the shipment id reallocated it twice).
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, source_offset);
  (void)ec;  // 24 bytes hold any uint64_t
  std::string id;
  id.reserve(shipment_id.size() + 1 + static_cast<size_t>(end - digits));
  id.append(shipment_id);
  id += '-';
  id.append(digits, end);
  return id;
}

Result<VerifiedPart> verify_shipment_part(std::string_view raw_mail, const VerifyPolicy& policy) {
  auto parsed = parse_shipment_mail(raw_mail);
  if (!parsed) return tl::unexpected(parsed.error());
  VerifiedPart part;
  part.headers = std::move(parsed->headers);
  part.attachment = std::move(parsed->attachment);
  const ShipmentHeaders& h = part.headers;

  auto kind = parse_log_kind(h.kind);
  if (!kind) return fail(ErrorCode::data, "unknown log kind '" + h.kind + "'");
  part.kind = *kind;
  auto created = parse_timestamp_us(h.created);
  if (!created) return fail(ErrorCode::data, "bad X-Logpost-Created: " + created.error().message);
  part.created_us = *created;
  if (h.part < 1 || h.part > h.part_count)
    return fail(ErrorCode::data,
                "part " + std::to_string(h.part) + " outside 1.." + std::to_string(h.part_count));

  // Who sent it. A tenant is known by its key; the signature binds the
  // headers (tenant included) to the attachment's bytes.
  const std::string* key = nullptr;
  if (policy.tenant_keys) {
    auto it = policy.tenant_keys->find(h.tenant);
    if (it != policy.tenant_keys->end()) key = &it->second;
  }
  if (!key && !policy.accept_unknown_tenants)
    return fail(ErrorCode::signature, "unknown tenant '" + h.tenant + "' (no tenant." + h.tenant +
                                          ".signing_key_file configured)");
  std::string attachment_sha = sha256_hex(part.attachment);
  if (key) {
    if (!parsed->signature) {
      if (policy.require_signature) return fail(ErrorCode::signature, "missing X-Logpost-Signature");
    } else {
      auto v = verify(h, attachment_sha, *key, *parsed->signature);
      if (!v) return fail(ErrorCode::signature, "signature check failed: " + v.error().message);
      part.signed_ok = true;
    }
  } else if (policy.require_signature) {
    return fail(ErrorCode::signature, "tenant '" + h.tenant + "' has no key but signatures are required");
  }

  if (h.length > policy.max_part_bytes)
    return fail(ErrorCode::too_large, "X-Logpost-Length " + std::to_string(h.length) + " exceeds max_part_bytes " +
                                          std::to_string(policy.max_part_bytes));
  // The declared length bounds the decompression (+1 byte to detect "longer
  // than declared" as a length mismatch rather than a bare limit error).
  uint64_t limit = h.length + 1;
  Sha256 sha;
  LogSplitter splitter(part.kind, policy.max_entry_bytes);
  uint64_t entries = 0;
  uint64_t banners = 0;
  auto count = [&](const LogEntry& e) {
    if (e.continuation) return;
    if (e.banner) ++banners;
    ++entries;
  };
  uint64_t length = 0;
  // A small enough part is kept decompressed for read_part_events(). The
  // declared length (checked against the limit above) sizes it once; a
  // stream longer than declared stops being kept and fails below anyway.
  const bool keep = h.length <= policy.keep_text_max;
  if (keep) part.text.reserve(h.length);
  // Line logs: an entry is a line, so counting newlines gives LogSplitter's
  // count without a callback per line (this pass is on the hot path).
  const bool lines = part.kind != LogKind::mysql_slow;
  bool last_was_newline = true;
  auto r = gunzip_stream(part.attachment, limit, [&](std::string_view chunk) {
    sha.update(chunk);
    length += chunk.size();
    if (keep && length <= h.length) part.text.append(chunk);
    if (lines) {
      entries += count_newlines(chunk);
      last_was_newline = chunk.back() == '\n';
    } else {
      splitter.feed(chunk, count);
    }
  });
  if (!r) {
    if (r.error().code == ErrorCode::too_large)
      return fail(ErrorCode::data, "decompressed part is longer than X-Logpost-Length " + std::to_string(h.length));
    return fail(ErrorCode::data, "bad gzip attachment: " + r.error().message);
  }
  if (lines) {
    if (!last_was_newline) ++entries;  // a last line without its newline
  } else {
    splitter.finish(count);
  }
  if (length != h.length)
    return fail(ErrorCode::data, "decompressed length " + std::to_string(length) + " != X-Logpost-Length " +
                                     std::to_string(h.length));
  std::string digest = sha.finish_hex();
  if (digest != h.content_sha256)
    return fail(ErrorCode::data, "content SHA-256 mismatch: computed " + digest + ", header " + h.content_sha256);
  if (entries != h.entries && entries - banners != h.entries)
    return fail(ErrorCode::data, "entry count " + std::to_string(entries - banners) + " (+" + std::to_string(banners) +
                                     " banners) != X-Logpost-Entries " + std::to_string(h.entries));
  part.banners = banners;
  if (keep) {
    part.has_text = true;
    std::string().swap(part.attachment);  // only the text is read from here on
  } else {
    std::string().swap(part.text);
  }
  return part;
}

Result<PartEventCounts> read_part_events(const VerifiedPart& part, uint64_t max_entry_bytes,
                                         const EventCallback& on_event) {
  const ShipmentHeaders& h = part.headers;
  PartEventCounts counts;
  const bool begins_cut = has_flag(h, k_flag_begins_inside_entry);
  const bool ends_cut = has_flag(h, k_flag_ends_inside_entry);
  // The provenance fields are the same for every event of the part: built
  // once here, then each event is a copy (as many allocations as building
  // it, without the member lookups) with its message and offset filled in.
  // The members a copy fills in are reached by position (no key compares),
  // fixed here: the constructor makes "message" the first member.
  Event proto{std::string()};
  constexpr size_t k_message_member = 0;  // "message"
  constexpr size_t k_log_member = 3;      // "log" after "host" and "logpost"
  constexpr size_t k_offset_member = 1;   // "offset" after "file" in "log"
  {
    Object& f = proto.fields();
    Object host;
    host.set("name", h.host);
    f.set("host", std::move(host));
    Object logpost;
    logpost.set("tenant", h.tenant);
    logpost.set("shipment_id", h.shipment_id);
    logpost.set("part", static_cast<int64_t>(h.part));
    f.set("logpost", std::move(logpost));
    Object file;
    file.set("path", h.source);
    Object log;
    log.set("file", std::move(file));
    log.set("offset", int64_t{0});
    f.set("log", std::move(log));
    Object event;
    event.set("dataset", std::string(log_kind_dataset(part.kind)));
    event.set("timezone", h.timezone);
    f.set("event", std::move(event));
    proto.set_timestamp_us(part.created_us);
  }
  auto member = [](Object& o, size_t index) -> Value& { return (o.begin() + static_cast<ptrdiff_t>(index))->second; };

  // One entry is held back so the last one of the part can be tagged when it
  // was cut by the shipper's part boundary.
  std::optional<Event> held;
  Result<void> failed;
  bool first = true;

  auto emit_held = [&]() {
    if (held && failed) {
      failed = on_event(std::move(*held));
      ++counts.events;
    }
    held.reset();
  };

  auto on_entry = [&](const LogEntry& e) {
    if (!failed) return;
    if (e.banner) {
      ++counts.banners;
      return;
    }
    emit_held();
    std::string_view text = e.text;
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    uint64_t offset = h.offset + e.offset;

    Event ev = proto;
    Object& f = ev.fields();
    member(f, k_message_member).as_string().assign(text);
    member(member(f, k_log_member).as_object(), k_offset_member).assign_int(static_cast<int64_t>(offset));
    ev.set_id(event_id(h.shipment_id, offset));
    if (e.continues || e.continuation) {
      ev.add_tag(k_tag_entry_split);
      ++counts.split;
    }
    if (first && begins_cut) {
      ev.add_tag(k_tag_cut_entry);
      ++counts.cut;
    }
    first = false;
    held = std::move(ev);
  };

  LogSplitter splitter(part.kind, max_entry_bytes);
  if (part.has_text) {
    splitter.feed(part.text, on_entry);
    if (!failed) return tl::unexpected(failed.error());
  } else {
    auto r = gunzip_stream(part.attachment, h.length + 1, [&](std::string_view chunk) {
      if (failed) splitter.feed(chunk, on_entry);
    });
    if (!failed) return tl::unexpected(failed.error());
    if (!r) return tl::unexpected(r.error());  // verified before: only a changed buffer gets here
  }
  splitter.finish(on_entry);
  if (held && ends_cut) {
    held->add_tag(k_tag_cut_entry);
    ++counts.cut;
  }
  emit_held();
  if (!failed) return tl::unexpected(failed.error());
  return counts;
}

}  // namespace logpost::ingester
