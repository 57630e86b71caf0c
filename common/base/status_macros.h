#pragma once

// RETURN_IF_ERROR / ASSIGN_OR_RETURN, which the Debian 12 abseil (20220623)
// does not ship. Usable in any function returning absl::Status or
// absl::StatusOr<T>.
//
//   RETURN_IF_ERROR(DoThing());            // absl::Status or StatusOr<T>.
//   ASSIGN_OR_RETURN(auto conn, Dial(addr));
//   ASSIGN_OR_RETURN(std::unique_ptr<Foo> p, MakeFoo());
//   ASSIGN_OR_RETURN(existing_var, Compute());
//   ASSIGN_OR_RETURN((std::pair<int, int> pr), MakePair());  // Commas: wrap
//   ASSIGN_OR_RETURN((auto [a, b]), MakePair());              // in parens.
//
// ASSIGN_OR_RETURN expands to several statements: it cannot be the unbraced
// body of an if/for/while, and at most one may appear per source line (its
// temporary is named after __LINE__). The error is returned unchanged.

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rig::status_macros_internal {

// Lets RETURN_IF_ERROR accept both absl::Status and absl::StatusOr<T>.
inline absl::Status ToStatus(const absl::Status& s) { return s; }
inline absl::Status ToStatus(absl::Status&& s) { return std::move(s); }
template <typename T>
absl::Status ToStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
template <typename T>
absl::Status ToStatus(absl::StatusOr<T>&& s) {
  return std::move(s).status();
}

}  // namespace rig::status_macros_internal

#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::absl::Status rig_status_macros_status_ =                 \
        ::rig::status_macros_internal::ToStatus(expr);         \
    if (ABSL_PREDICT_FALSE(!rig_status_macros_status_.ok())) { \
      return rig_status_macros_status_;                        \
    }                                                          \
  } while (false)

// The variadic tail lets the right-hand side contain unparenthesized commas,
// e.g. MakeMap<int, int>().
#define ASSIGN_OR_RETURN(lhs, ...)                                           \
  RIG_STATUS_MACROS_ASSIGN_OR_RETURN_IMPL_(                                  \
      RIG_STATUS_MACROS_CONCAT_(rig_status_macros_statusor_, __LINE__), lhs, \
      __VA_ARGS__)

#define RIG_STATUS_MACROS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, ...) \
  auto statusor = (__VA_ARGS__);                                     \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {                          \
    return std::move(statusor).status();                             \
  }                                                                  \
  RIG_STATUS_MACROS_UNPAREN_(lhs) = *std::move(statusor)

#define RIG_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define RIG_STATUS_MACROS_CONCAT_(x, y) RIG_STATUS_MACROS_CONCAT_INNER_(x, y)

// Strips one optional pair of parentheses: (a, b) -> a, b and x -> x.
// "RIG_STATUS_MACROS_EAT_ (a, b)" expands to "RIG_STATUS_MACROS_EAT_ a, b"
// (the macro is not re-expanded inside itself); the remaining marker is then
// pasted into the name of an empty macro.
#define RIG_STATUS_MACROS_UNPAREN_(x) \
  RIG_STATUS_MACROS_UNPAREN_ESC_(RIG_STATUS_MACROS_EAT_ x)
#define RIG_STATUS_MACROS_EAT_(...) RIG_STATUS_MACROS_EAT_ __VA_ARGS__
#define RIG_STATUS_MACROS_UNPAREN_ESC_(...) \
  RIG_STATUS_MACROS_UNPAREN_ESC2_(__VA_ARGS__)
#define RIG_STATUS_MACROS_UNPAREN_ESC2_(...) RIG_STATUS_MACROS_VAN##__VA_ARGS__
#define RIG_STATUS_MACROS_VANRIG_STATUS_MACROS_EAT_
