// sprintf templates: %{field}, %{[a][b]}, %{+joda} and misses left visible.
#include "filters/interpolation.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace logpost::filters {
namespace {

Event sample() {
  auto e = event_from_json(R"({"host":"db1","n":42,"r":1.5,"b":true,"list":["a","b",3],
    "obj":{"k":"v"},"nested":{"deep":{"x":"y"}},"dotted.name":"dot"})");
  EXPECT_TRUE(e);
  Event ev = e ? std::move(*e) : Event{};
  ev.set_timestamp_us(1714564805123456);  // 2024-05-01T12:00:05.123456Z
  return ev;
}

std::string render(std::string_view text) {
  auto t = Template::compile(text);
  EXPECT_TRUE(t) << t.error().message;
  return t ? t->render(sample()) : std::string("<compile error>");
}

TEST(Template, RendersFieldsOfEveryKind) {
  EXPECT_EQ(render("host=%{host} n=%{n} r=%{r} b=%{b}"), "host=db1 n=42 r=1.5 b=true");
  EXPECT_EQ(render("%{list}"), "a,b,3");
  EXPECT_EQ(render("%{obj}"), R"({"k":"v"})");
  EXPECT_EQ(render("%{[nested][deep][x]}!"), "y!");
  EXPECT_EQ(render("%{dotted.name}"), "dot");
}

TEST(Template, MissingFieldsStayVisible) {
  EXPECT_EQ(render("a %{missing} b %{[nested][nope]}"), "a %{missing} b %{[nested][nope]}");
}

TEST(Template, TimestampFormats) {
  EXPECT_EQ(render("%{@timestamp}"), "2024-05-01T12:00:05.123456Z");
  EXPECT_EQ(render("logs-%{+YYYY.MM.dd}"), "logs-2024.05.01");
  EXPECT_EQ(render("%{+yyyy-MM-dd'T'HH:mm:ss.SSS}"), "2024-05-01T12:00:05.123");
  EXPECT_EQ(render("%{+yy}"), "24");
  EXPECT_EQ(render("%{+%s}"), "1714564805");
  Event no_ts("x");
  auto t = Template::compile("%{+YYYY} %{@timestamp}");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->render(no_ts), "%{+YYYY} %{@timestamp}");
}

TEST(Template, LiteralTextAndStrayPercent) {
  auto t = Template::compile("100% plain {text}");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->is_constant());
  EXPECT_EQ(t->render(sample()), "100% plain {text}");
  auto u = Template::compile("x%{host}");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->is_constant());
}

TEST(Template, AppendsToCallerBuffer) {
  auto t = Template::compile("-%{host}-");
  ASSERT_TRUE(t);
  std::string out = "pre";
  t->render(sample(), out);
  EXPECT_EQ(out, "pre-db1-");
}

TEST(Template, CompileErrors) {
  for (const char* bad : {"%{unterminated", "%{}", "%{[a}", "%{+QQ}", "%{+'open}"}) {
    auto t = Template::compile(bad);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_EQ(t.error().code, ErrorCode::config);
    }
  }
}

}  // namespace
}  // namespace logpost::filters
