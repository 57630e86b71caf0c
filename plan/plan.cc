// Loading a plan: the bounds and duplicate-key check over the YAML tree,
// --set overrides, the walk of the tree against the Plan descriptor (with
// numeric ranges from plan/schema.h), and applying the defaults from that
// table (and expanding target.dsn, plan/dsn.h). One job, the plan as text
// becoming a rig.v1.Plan; ~770 lines because the YAML-to-descriptor walk
// names the key and line of every error it can meet (or the --set that
// brought the value: Override below). The override parsing (ApplyOverride,
// Override, Within) is the seam to split out if it grows.

#include "plan/plan.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/base/duration.h"
#include "common/base/json_string.h"
#include "common/base/proto_duration.h"
#include "common/base/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "plan/dsn.h"
#include "plan/schema.h"
#include "yaml-cpp/yaml.h"

namespace rig::plan {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

// What one --set brought into the tree: its key, its value (with everything
// under it) and the keys and sections it made on its path, so that an error
// in them names the override, not a line of the file.
struct Override {
  std::string key;
  YAML::Node value;
  std::vector<YAML::Node> path;  // made by this override or an earlier one
};

bool Within(const YAML::Node& tree, const YAML::Node& node) {
  if (tree.is(node)) return true;
  if (tree.IsMap()) {
    for (const auto& kv : tree) {
      if (kv.first.is(node) || Within(kv.second, node)) return true;
    }
  } else if (tree.IsSequence()) {
    for (const auto& x : tree) {
      if (Within(x, node)) return true;
    }
  }
  return false;
}

class Converter {
 public:
  Converter(std::string source, const std::vector<Override>& overrides)
      : source_(std::move(source)), overrides_(overrides) {}

  absl::Status Message(const YAML::Node& node, const Descriptor* d,
                       const std::string& path, std::string& out) {
    const std::string full = d->full_name();
    if (full == "google.protobuf.Duration") return Duration(node, path, out);
    if (full == "google.protobuf.Struct") return Any(node, path, out, true);
    if (node.IsNull()) {
      out += "{}";
      return absl::OkStatus();
    }
    if (!node.IsMap()) {
      return Error(node, path.empty() ? "the plan must be a mapping of keys"
                                      : absl::StrCat("\"", path,
                                                     "\" must be a mapping"));
    }
    out += '{';
    bool first = true;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const FieldDescriptor* f = d->FindFieldByName(key);
      if (f == nullptr) f = d->FindFieldByCamelcaseName(key);
      const std::string key_path =
          path.empty() ? key : absl::StrCat(path, ".", key);
      if (f == nullptr) {
        std::vector<std::string> valid;
        for (int i = 0; i < d->field_count(); ++i) {
          valid.push_back(d->field(i)->name());
        }
        return Error(kv.first,
                     absl::StrCat("unknown key \"", key_path, "\" (valid: ",
                                  absl::StrJoin(valid, ", "), ")"));
      }
      if (!first) out += ',';
      first = false;
      AppendJsonString(out, f->name());
      out += ':';
      RETURN_IF_ERROR(Field(kv.second, f, key_path, out));
    }
    out += '}';
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const YAML::Node& node, absl::string_view message) {
    // A value (or what is in it) first, then a key or section made on the
    // way to one: the newest override that made it.
    for (int exact = 0; exact < 2; ++exact) {
      for (auto o = overrides_.rbegin(); o != overrides_.rend(); ++o) {
        bool in = exact == 0 && Within(o->value, node);
        for (const YAML::Node& made : o->path)
          in = in || (exact && made.is(node));
        if (in) {
          return absl::InvalidArgumentError(
              absl::StrCat("--set ", o->key, ": ", message));
        }
      }
    }
    const YAML::Mark mark = node.Mark();
    if (mark.is_null())
      return absl::InvalidArgumentError(absl::StrCat(source_, ": ", message));
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ":", mark.line + 1, ": ", message));
  }

  absl::Status Field(const YAML::Node& node, const FieldDescriptor* f,
                     const std::string& path, std::string& out) {
    if (f->is_map()) {
      if (node.IsNull()) {
        out += "{}";
        return absl::OkStatus();
      }
      if (!node.IsMap()) {
        return Error(node, absl::StrCat("\"", path, "\" must be a mapping"));
      }
      const FieldDescriptor* key_f = f->message_type()->map_key();
      const FieldDescriptor* value_f = f->message_type()->map_value();
      out += '{';
      bool first = true;
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        if (key_f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
          int64_t k = 0;
          if (!absl::SimpleAtoi(key, &k)) {
            return Error(kv.first, absl::StrCat("key \"", key, "\" of \"", path,
                                                "\" must be a whole number"));
          }
        }
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, key);
        out += ':';
        RETURN_IF_ERROR(
            Single(kv.second, value_f, absl::StrCat(path, ".", key), out));
      }
      out += '}';
      return absl::OkStatus();
    }
    if (f->is_repeated()) {
      if (node.IsNull()) {
        out += "[]";
        return absl::OkStatus();
      }
      if (!node.IsSequence()) {
        return Error(node, absl::StrCat("\"", path, "\" must be a list"));
      }
      out += '[';
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) out += ',';
        RETURN_IF_ERROR(Single(node[i], f, path, out));
      }
      out += ']';
      return absl::OkStatus();
    }
    return Single(node, f, path, out);
  }

  absl::Status Single(const YAML::Node& node, const FieldDescriptor* f,
                      const std::string& path, std::string& out) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return Message(node, f->message_type(), path, out);
    }
    if (node.IsNull()) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        out += "\"\"";  // "key:" or --set key= means empty
        return absl::OkStatus();
      }
      return Error(node, absl::StrCat("\"", path, "\" needs a value"));
    }
    if (!node.IsScalar()) {
      return Error(node, absl::StrCat("\"", path, "\" must be a single value"));
    }
    const std::string text = node.Scalar();
    const PlanKey* key = FindPlanKey(path);
    const bool ranged = key != nullptr && key->min <= key->max;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64: {
        int64_t v = 0;
        if (!absl::SimpleAtoi(text, &v)) {
          return Error(node, absl::StrCat("\"", path,
                                          "\" must be a whole "
                                          "number, not \"",
                                          text, "\""));
        }
        const bool is32 = f->cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
                          f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32;
        double lo = is32 ? std::numeric_limits<int32_t>::min() : -9e18;
        double hi = is32 ? std::numeric_limits<int32_t>::max() : 9e18;
        if (ranged) {
          lo = key->min;
          hi = key->max;
        }
        if (v < lo || v > hi) {
          return Error(node,
                       absl::StrCat("\"", path, "\" is ", v, ", out of range [",
                                    lo, ", ", hi, "]"));
        }
        absl::StrAppend(&out, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double v = 0;
        if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
          return Error(node, absl::StrCat("\"", path,
                                          "\" must be a number, "
                                          "not \"",
                                          text, "\""));
        }
        if (ranged && (v < key->min || v > key->max)) {
          return Error(node,
                       absl::StrCat("\"", path, "\" is ", v, ", out of range [",
                                    key->min, ", ", key->max, "]"));
        }
        absl::StrAppend(&out, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const std::string t = absl::AsciiStrToLower(text);
        if (t == "true" || t == "yes" || t == "on") {
          out += "true";
        } else if (t == "false" || t == "no" || t == "off") {
          out += "false";
        } else {
          return Error(node, absl::StrCat("\"", path,
                                          "\" must be true or "
                                          "false, not \"",
                                          text, "\""));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM:
        return Enum(node, f->enum_type(), path, out);
      case FieldDescriptor::CPPTYPE_STRING:
        AppendJsonString(out, text);
        return absl::OkStatus();
      default:
        return Error(node, absl::StrCat("\"", path, "\": unsupported type"));
    }
  }

  absl::Status Enum(const YAML::Node& node, const EnumDescriptor* e,
                    const std::string& path, std::string& out) {
    // verify-ca and verify_ca are TLS_MODE_VERIFY_CA.
    const std::string want =
        absl::StrReplaceAll(absl::AsciiStrToUpper(node.Scalar()), {{"-", "_"}});
    std::vector<std::string> names;
    for (int i = 0; i < e->value_count(); ++i) {
      const std::string& name = e->value(i)->name();
      if (absl::EndsWith(name, "_UNSPECIFIED")) continue;
      // Users write the part after the enum's prefix: "recreate".
      std::string short_name = name;
      for (int j = 0; j < e->value_count(); ++j) {
        const std::string& u = e->value(j)->name();
        if (absl::EndsWith(u, "_UNSPECIFIED")) {
          const std::string prefix = u.substr(0, u.size() - 11);
          if (absl::StartsWith(name, prefix)) {
            short_name = name.substr(prefix.size());
          }
        }
      }
      names.push_back(
          absl::StrReplaceAll(absl::AsciiStrToLower(short_name), {{"_", "-"}}));
      if (want == name || want == short_name) {
        AppendJsonString(out, name);
        return absl::OkStatus();
      }
    }
    return Error(node, absl::StrCat("\"", path, "\" must be one of ",
                                    absl::StrJoin(names, ", "), ", not \"",
                                    node.Scalar(), "\""));
  }

  absl::Status Duration(const YAML::Node& node, const std::string& path,
                        std::string& out) {
    if (!node.IsScalar()) {
      return Error(node, absl::StrCat("\"", path, "\" must be a duration"));
    }
    auto d = ParseDuration(node.Scalar());
    if (!d.ok()) {
      return Error(node,
                   absl::StrCat("\"", path, "\": ", d.status().message()));
    }
    if (const PlanKey* key = FindPlanKey(path);
        key != nullptr && key->min <= key->max) {
      const absl::Duration lo = absl::Seconds(key->min);
      const absl::Duration hi = absl::Seconds(key->max);
      if (*d < lo || *d > hi) {
        return Error(
            node, absl::StrCat("\"", path, "\" is ", node.Scalar(), ", ",
                               *d < lo ? "below the least" : "above the most",
                               " it may be (", rig::FormatDuration(lo), " to ",
                               rig::FormatDuration(hi), ")"));
      }
    }
    const google::protobuf::Duration p = ToProto(*d);
    absl::StrAppend(&out, "\"", p.seconds());
    if (p.nanos() != 0) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), ".%09d", p.nanos());
      out += buf;
    }
    out += "s\"";
    return absl::OkStatus();
  }

  // Any YAML as JSON (for google.protobuf.Struct / Value).
  absl::Status Any(const YAML::Node& node, const std::string& path,
                   std::string& out, bool must_be_map) {
    if (node.IsNull()) {
      out += must_be_map ? "{}" : "null";
      return absl::OkStatus();
    }
    if (must_be_map && !node.IsMap()) {
      return Error(node, absl::StrCat("\"", path, "\" must be a mapping"));
    }
    if (node.IsMap()) {
      out += '{';
      bool first = true;
      for (const auto& kv : node) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, kv.first.Scalar());
        out += ':';
        RETURN_IF_ERROR(Any(
            kv.second, absl::StrCat(path, ".", kv.first.Scalar()), out, false));
      }
      out += '}';
    } else if (node.IsSequence()) {
      out += '[';
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) out += ',';
        RETURN_IF_ERROR(Any(node[i], path, out, false));
      }
      out += ']';
    } else {
      const std::string& text = node.Scalar();
      double d = 0;
      const std::string lower = absl::AsciiStrToLower(text);
      if (node.Tag() != "!" && absl::SimpleAtod(text, &d) && std::isfinite(d) &&
          lower.find_first_of("abcdfghijklmnopqrstuvwxyz") ==
              std::string::npos) {
        absl::StrAppend(&out, d);
      } else if (node.Tag() != "!" && (lower == "true" || lower == "false")) {
        out += lower;
      } else {
        AppendJsonString(out, text);
      }
    }
    return absl::OkStatus();
  }

  std::string source_;
  const std::vector<Override>& overrides_;
};

// What a plan may hold. A plan is a page or two of YAML; these bounds only
// stop inputs that are not plans: a file that never ends (/dev/zero), or an
// alias bomb (a few hundred bytes whose aliases expand to billions of nodes,
// which the walks below would visit one by one).
constexpr size_t kMaxPlanBytes = 1 << 20;
constexpr int kMaxPlanNodes = 100000;  // counting each alias expansion
constexpr int kMaxPlanDepth = 64;
// The text of every scalar, each alias counted each time it is used: what
// the plan becomes. It travels to each agent inside one gRPC message (4 MiB
// by default), with room left for the rest of the assignment.
constexpr size_t kMaxPlanExpandedBytes = 2 << 20;

std::string LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? std::string("?") : absl::StrCat(mark.line + 1);
}

// One walk over the whole tree before anything reads it: refuses a key given
// twice in one mapping (yaml-cpp keeps both, and each reader took a
// different one) and a tree too large or too deep to be a plan.
class TreeCheck {
 public:
  explicit TreeCheck(std::string source) : source_(std::move(source)) {}

  absl::Status Walk(const YAML::Node& node, const std::string& path,
                    int depth) {
    if (++nodes_ > kMaxPlanNodes) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": the plan expands to more than ", kMaxPlanNodes,
          " YAML nodes (aliases count each time they are used): not a plan"));
    }
    if (depth > kMaxPlanDepth) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ":", LineOf(node), ": \"", path,
                       "\" is nested more than ", kMaxPlanDepth, " deep"));
    }
    if (node.IsScalar()) {
      bytes_ += node.Scalar().size() + path.size();
      if (bytes_ > kMaxPlanExpandedBytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            source_, ":", LineOf(node), ": the plan expands to more than ",
            kMaxPlanExpandedBytes >> 20, " MiB at \"", path,
            "\" (aliases count each time they are used): too large to send "
            "to the agents in one message"));
      }
    }
    if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        RETURN_IF_ERROR(Walk(node[i], absl::StrCat(path, ".", i), depth + 1));
      }
    } else if (node.IsMap()) {
      std::map<std::string, std::string> lines;  // key -> line
      for (const auto& kv : node) {
        const std::string key =
            kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
        const std::string key_path =
            path.empty() ? key : absl::StrCat(path, ".", key);
        auto [it, inserted] = lines.emplace(key, LineOf(kv.first));
        if (!inserted) {
          return absl::InvalidArgumentError(
              absl::StrCat(source_, ":", LineOf(kv.first), ": \"", key_path,
                           "\" is given twice (lines ", it->second, " and ",
                           LineOf(kv.first), "): keep one"));
        }
        RETURN_IF_ERROR(Walk(kv.second, key_path, depth + 1));
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string source_;
  int nodes_ = 0;
  size_t bytes_ = 0;
};

// target.password as the tree has it ("" when absent); read through a
// const handle, which creates nothing.
std::string PasswordIn(const YAML::Node& root) {
  if (!root.IsMap()) return "";
  const YAML::Node target = root["target"];
  if (!target.IsDefined() || !target.IsMap()) return "";
  const YAML::Node password = target["password"];
  return password.IsDefined() && password.IsScalar() ? password.Scalar() : "";
}

absl::Status ApplyOverride(YAML::Node& root, const std::string& override,
                           std::vector<Override>& applied) {
  const size_t eq = override.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--set \"", override,
                     "\": use --set key.path=value, e.g. "
                     "--set load.duration=30s"));
  }
  const std::string key = override.substr(0, eq);
  if (key == "target.password") {
    return absl::InvalidArgumentError(
        "--set target.password: a password on the command line is visible "
        "to every user of the machine (ps); put it in the environment "
        "variable that target.password_env names (default RIG_DB_PASSWORD)");
  }
  YAML::Node value;
  try {
    value = YAML::Load(override.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("--set ", key, ": ", e.msg));
  }
  std::vector<std::string> parts = absl::StrSplit(key, '.');
  for (const std::string& part : parts) {
    if (part.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--set ", key, ": a key path has no empty parts (e.g. load.rate)"));
    }
  }
  // yaml-cpp nodes are handles, and `=` between two of them assigns the
  // node itself: step down with reset(), assign through the handle. A
  // missing section is created; a scalar on the way is an error.
  YAML::Node parent;
  parent.reset(root);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node child = parent[parts[i]];
    if (!child.IsDefined() || child.IsNull()) {
      parent[parts[i]] = YAML::Node(YAML::NodeType::Map);
      child = parent[parts[i]];
    } else if (!child.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--set ", key, ": \"",
                       absl::StrJoin(parts.begin(), parts.begin() + i + 1, "."),
                       "\" is a value, not a section (it has no key \"",
                       parts[i + 1], "\")"));
    }
    parent.reset(child);
  }
  parent[parts.back()] = value;
  // What this override made: its value, and the keys and sections on its
  // path that no file line holds (a node from the file has a mark).
  Override o{key, value, {}};
  YAML::Node at;
  at.reset(root);
  for (const std::string& part : parts) {
    if (!at.IsMap()) break;
    YAML::Node next;
    bool found = false;
    for (const auto& kv : at) {
      if (kv.first.Scalar() != part) continue;
      if (kv.first.Mark().is_null()) o.path.push_back(kv.first);
      next.reset(kv.second);
      found = true;
    }
    if (!found) break;
    if (next.Mark().is_null() && next.IsMap()) o.path.push_back(next);
    at.reset(next);
  }
  applied.push_back(std::move(o));
  return absl::OkStatus();
}

// Copies the field at `path` (parts of a PlanKey path) from `from` into
// `to` where `to` leaves it unset: zero, or an empty message (a Duration of
// 0), or, for a field with presence, absent. At "*" it steps into every
// entry of `to`'s list, taking the defaults' first entry as the model.
void FillUnset(const google::protobuf::Message& from,
               google::protobuf::Message& to,
               const std::vector<std::string>& path, size_t at = 0) {
  using google::protobuf::Message;
  const FieldDescriptor* f = to.GetDescriptor()->FindFieldByName(path[at]);
  const google::protobuf::Reflection* in = from.GetReflection();
  const google::protobuf::Reflection* out = to.GetReflection();
  if (at + 1 < path.size() && path[at + 1] == "*") {
    const Message& model = in->GetRepeatedMessage(from, f, 0);
    for (int i = 0; i < out->FieldSize(to, f); ++i) {
      FillUnset(model, *out->MutableRepeatedMessage(&to, f, i), path, at + 2);
    }
    return;
  }
  if (at + 1 < path.size()) {
    FillUnset(in->GetMessage(from, f), *out->MutableMessage(&to, f), path,
              at + 1);
    return;
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!out->HasField(to, f) || out->GetMessage(to, f).ByteSizeLong() == 0) {
      out->MutableMessage(&to, f)->CopyFrom(in->GetMessage(from, f));
    }
    return;
  }
  if (out->HasField(to, f)) return;  // proto3: a scalar is "had" when not 0
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out->SetInt32(&to, f, in->GetInt32(from, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      out->SetInt64(&to, f, in->GetInt64(from, f));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      out->SetDouble(&to, f, in->GetDouble(from, f));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->SetBool(&to, f, in->GetBool(from, f));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      out->SetString(&to, f, in->GetString(from, f));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      out->SetEnumValue(&to, f, in->GetEnumValue(from, f));
      break;
    default:  // no other kind has a default (a test walks the table)
      break;
  }
}

}  // namespace

absl::StatusOr<rig::v1::Plan> ParsePlan(
    absl::string_view yaml, absl::string_view source,
    const std::vector<std::string>& overrides) {
  ASSIGN_OR_RETURN(rig::v1::Plan plan,
                   ParsePlanWithoutDefaults(yaml, source, overrides));
  if (plan.workload().kind().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": \"workload.kind\" is required (e.g. oltp_point_select)"));
  }
  ApplyPlanDefaults(plan);
  return plan;
}

absl::StatusOr<rig::v1::Plan> ParsePlanWithoutDefaults(
    absl::string_view yaml, absl::string_view source,
    const std::vector<std::string>& overrides) {
  if (yaml.size() > kMaxPlanBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": larger than ", kMaxPlanBytes >> 20, " MiB: not a plan"));
  }
  if (const size_t nul = yaml.find('\0'); nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": has a NUL byte at offset ", nul, ": not a text file"));
  }
  YAML::Node root;
  std::vector<Override> applied;
  try {
    root = YAML::Load(std::string(yaml));
    RETURN_IF_ERROR(TreeCheck(std::string(source)).Walk(root, "", 0));
    const std::string password_before = PasswordIn(root);
    for (const auto& o : overrides) {
      if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
      if (!root.IsMap()) break;  // named below: the plan must be a mapping
      RETURN_IF_ERROR(ApplyOverride(root, o, applied));
    }
    for (const auto& o : overrides) {
      // --set target.dsn=... replaces the plan's own connection keys (in a
      // file, giving both is an error: plan/dsn.h).
      if (absl::StartsWith(o, "target.dsn=") && root.IsMap() &&
          root["target"].IsMap()) {
        YAML::Node target = root["target"];
        for (const char* key : kDsnKeys) target.remove(key);
      }
    }
    if (!overrides.empty()) {
      // Whatever the key path (--set 'target={password: x}'), no override
      // may bring a password; and what they brought obeys the same bounds.
      if (PasswordIn(root) != password_before) {
        return absl::InvalidArgumentError(
            "--set: target.password is never taken from the command line "
            "(visible in ps); put it in the environment variable that "
            "target.password_env names (default RIG_DB_PASSWORD)");
      }
      RETURN_IF_ERROR(
          TreeCheck(absl::StrCat(source, " with --set")).Walk(root, "", 0));
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on malformed text, and on misuse that no plan should
    // reach: either way one line, never an abort.
    if (e.mark.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.msg));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", e.mark.line + 1, ": ", e.msg));
  }
  std::string json;
  Converter converter{std::string(source), applied};
  try {
    RETURN_IF_ERROR(
        converter.Message(root, rig::v1::Plan::descriptor(), "", json));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.msg));
  }
  rig::v1::Plan plan;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, &plan, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", status.ToString()));
  }
  if (absl::Status s = ExpandDsn(*plan.mutable_target()); !s.ok()) {
    const int line = KeyLine(yaml, "target.dsn");
    return absl::InvalidArgumentError(
        line > 0 ? absl::StrCat(source, ":", line, ": ", s.message())
                 : absl::StrCat(source, ": ", s.message()));
  }
  return plan;
}

absl::StatusOr<rig::v1::Plan> LoadPlanFile(
    const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read plan file ", path,
                                            ": ", std::strerror(errno)));
  }
  // Read one byte past the limit, so that a file that never ends
  // (/dev/zero) is refused without being read whole.
  std::string text(kMaxPlanBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("cannot read plan file ", path,
                                            ": ", std::strerror(errno)));
  }
  return ParsePlan(text, path, overrides);
}

int KeyLine(absl::string_view yaml, const std::string& dotted_path) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception&) {
    return 0;
  }
  int line = 0;
  for (absl::string_view part : absl::StrSplit(dotted_path, '.')) {
    size_t index = 0;
    if (node.IsSequence() && absl::SimpleAtoi(part, &index)) {
      if (index >= node.size()) return 0;
      size_t i = 0;
      for (const auto& item : node) {
        if (i++ != index) continue;
        line = item.Mark().line + 1;
        node.reset(item);
        break;
      }
      continue;
    }
    if (!node.IsMap()) return 0;
    bool found = false;
    for (const auto& kv : node) {
      if (kv.first.Scalar() == part) {
        line = kv.first.Mark().line + 1;
        node.reset(kv.second);  // rebind; `=` would write into the tree
        found = true;
        break;
      }
    }
    if (!found) return 0;
  }
  return line;
}

void ApplyPlanDefaults(rig::v1::Plan& plan) {
  // The older key: `tls: true` is `tls_mode: required` when no mode is given.
  rig::v1::Target& target = *plan.mutable_target();
  if (target.tls() && target.tls_mode() == rig::v1::TLS_MODE_UNSPECIFIED) {
    target.set_tls_mode(rig::v1::TLS_MODE_REQUIRED);
  }
  // And back: an agent of an older release knows only `tls`; it must not
  // connect in plaintext where the plan requires TLS.
  if (target.tls_mode() >= rig::v1::TLS_MODE_REQUIRED) target.set_tls(true);
  const rig::v1::Plan& defaults = PlanDefaultsWithListModels();
  for (const PlanKey& key : PlanKeys()) {
    if (*key.value != '\0') {
      FillUnset(defaults, plan, absl::StrSplit(key.path, '.'));
    }
  }
}

}  // namespace rig::plan
