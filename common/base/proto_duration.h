#pragma once

// google.protobuf.Duration <-> absl::Duration. No "or this when unset": a
// plan's defaults are filled once, from plan/schema.h.

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"

namespace rig {

inline absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

inline google::protobuf::Duration ToProto(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  out.set_seconds(ns / 1000000000);
  out.set_nanos(static_cast<int32_t>(ns % 1000000000));
  return out;
}

}  // namespace rig
