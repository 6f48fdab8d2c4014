#include "filters/condition.hpp"

#include <re2/re2.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace logpost::filters {

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::null: return true;
    case Value::Kind::boolean: return a.as_bool() == b.as_bool();
    case Value::Kind::string: return a.as_string() == b.as_string();
    case Value::Kind::array: {
      const auto& x = a.as_array();
      const auto& y = b.as_array();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!values_equal(x[i], y[i])) return false;
      return true;
    }
    case Value::Kind::object: return a == b;
    default: return false;
  }
}

namespace {

// -1, 0, 1, or 2 when the pair has no order.
int compare_values(const Value* a, const Value* b) {
  if (!a || !b) return 2;
  if (a->is_number() && b->is_number()) {
    if (a->is_int() && b->is_int()) return a->as_int() < b->as_int() ? -1 : a->as_int() > b->as_int() ? 1 : 0;
    double x = a->as_double(), y = b->as_double();
    if (std::isnan(x) || std::isnan(y)) return 2;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a->is_string() && b->is_string()) {
    int c = a->as_string().compare(b->as_string());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return 2;
}

bool contains(const Value* needle, const Value* haystack) {
  if (!needle || !haystack) return false;
  if (haystack->is_array()) {
    for (const auto& item : haystack->as_array())
      if (values_equal(*needle, item)) return true;
    return false;
  }
  if (haystack->is_string() && needle->is_string())
    return haystack->as_string().find(needle->as_string()) != std::string::npos;
  if (haystack->is_object() && needle->is_string()) return haystack->as_object().find(needle->as_string()) != nullptr;
  return false;
}

Value literal_number(const Expr& e) {
  if (e.text.find('.') == std::string::npos) {
    errno = 0;
    long long v = std::strtoll(e.text.c_str(), nullptr, 10);
    if (errno == 0) return Value(static_cast<int64_t>(v));
  }
  return Value(e.number);
}

}  // namespace

Condition::Condition() = default;
Condition::~Condition() = default;
Condition::Condition(Condition&&) noexcept = default;
Condition& Condition::operator=(Condition&&) noexcept = default;

int Condition::add(const Expr& e, std::vector<std::string>& errors, bool as_regex) {
  Node node;
  switch (e.kind) {
    case Expr::Kind::selector: {
      node.op = Op::field;
      auto ref = FieldRef::parse(e.text);
      if (!ref) errors.push_back(e.where.to_string() + ": " + ref.error().message);
      else node.field = std::move(*ref);
      break;
    }
    case Expr::Kind::string:
    case Expr::Kind::regex:
      if (as_regex || e.kind == Expr::Kind::regex) {
        node.op = Op::regex;
        RE2::Options options;
        options.set_log_errors(false);
        node.regex = std::make_unique<RE2>(e.text, options);
        if (!node.regex->ok())
          errors.push_back(e.where.to_string() + ": invalid regular expression /" + e.text + "/: " + node.regex->error());
      } else {
        node.op = Op::literal;
        node.literal = Value(e.text);
      }
      break;
    case Expr::Kind::number:
      node.op = Op::literal;
      node.literal = literal_number(e);
      break;
    case Expr::Kind::array: {
      node.op = Op::literal;
      Array items;
      for (const auto& item : e.children)
        items.push_back(item.kind == Expr::Kind::number ? literal_number(item) : Value(item.text));
      node.literal = Value(std::move(items));
      break;
    }
    case Expr::Kind::compare: {
      const std::string& o = e.text;
      node.op = o == "==" ? Op::eq : o == "!=" ? Op::ne : o == "<" ? Op::lt : o == "<=" ? Op::le : o == ">" ? Op::gt : Op::ge;
      break;
    }
    case Expr::Kind::match: node.op = e.text == "=~" ? Op::match : Op::not_match; break;
    case Expr::Kind::in: node.op = e.text == "in" ? Op::in : Op::not_in; break;
    case Expr::Kind::negate: node.op = Op::negate; break;
    case Expr::Kind::logical: {
      const std::string& o = e.text;
      node.op = o == "and" ? Op::and_ : o == "or" ? Op::or_ : o == "xor" ? Op::xor_ : Op::nand;
      break;
    }
  }
  int lhs = -1, rhs = -1;
  if (!e.children.empty() && e.kind != Expr::Kind::array) {
    lhs = add(e.children[0], errors);
    if (e.children.size() > 1) rhs = add(e.children[1], errors, e.kind == Expr::Kind::match);
  }
  node.lhs = lhs;
  node.rhs = rhs;
  m_nodes.push_back(std::move(node));
  return static_cast<int>(m_nodes.size()) - 1;
}

Result<Condition> Condition::compile(const Expr& expr) {
  Condition c;
  std::vector<std::string> errors;
  c.m_root = c.add(expr, errors);
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) message += (message.empty() ? "" : "\n") + e;
    return fail(ErrorCode::config, std::move(message));
  }
  return c;
}

const Value* Condition::resolve(int index, const Event& event, Value& scratch) const {
  const Node& n = m_nodes[static_cast<size_t>(index)];
  if (n.op == Op::field) return n.field.find(event, scratch);
  if (n.op == Op::literal) return &n.literal;
  return nullptr;
}

bool Condition::evaluate(const Event& event) const { return m_root >= 0 && eval(m_root, event); }

bool Condition::eval(int index, const Event& event) const {
  const Node& n = m_nodes[static_cast<size_t>(index)];
  Value s1, s2;
  switch (n.op) {
    case Op::field: {
      const Value* v = n.field.find(event, s1);
      return v && !v->is_null() && !(v->is_bool() && !v->as_bool());
    }
    case Op::literal:
    case Op::regex: return true;
    case Op::eq:
    case Op::ne: {
      const Value* a = resolve(n.lhs, event, s1);
      const Value* b = resolve(n.rhs, event, s2);
      bool equal = (!a && !b) || (a && b && values_equal(*a, *b));
      return n.op == Op::eq ? equal : !equal;
    }
    case Op::lt: { int c = compare_values(resolve(n.lhs, event, s1), resolve(n.rhs, event, s2)); return c == -1; }
    case Op::le: { int c = compare_values(resolve(n.lhs, event, s1), resolve(n.rhs, event, s2)); return c == -1 || c == 0; }
    case Op::gt: { int c = compare_values(resolve(n.lhs, event, s1), resolve(n.rhs, event, s2)); return c == 1; }
    case Op::ge: { int c = compare_values(resolve(n.lhs, event, s1), resolve(n.rhs, event, s2)); return c == 1 || c == 0; }
    case Op::match:
    case Op::not_match: {
      const Value* a = resolve(n.lhs, event, s1);
      const Node& re = m_nodes[static_cast<size_t>(n.rhs)];
      bool matched = a && a->is_string() && re.regex && RE2::PartialMatch(a->as_string(), *re.regex);
      return n.op == Op::match ? matched : !matched;
    }
    case Op::in:
    case Op::not_in: {
      bool found = contains(resolve(n.lhs, event, s1), resolve(n.rhs, event, s2));
      return n.op == Op::in ? found : !found;
    }
    case Op::negate: return !eval(n.lhs, event);
    case Op::and_: return eval(n.lhs, event) && eval(n.rhs, event);
    case Op::or_: return eval(n.lhs, event) || eval(n.rhs, event);
    case Op::xor_: return eval(n.lhs, event) != eval(n.rhs, event);
    case Op::nand: return !(eval(n.lhs, event) && eval(n.rhs, event));
  }
  return false;
}

}  // namespace logpost::filters
