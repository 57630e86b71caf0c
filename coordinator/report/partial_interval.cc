#include "coordinator/report/partial_interval.h"

#include "absl/time/time.h"
#include "common/base/proto_duration.h"

namespace rig::coordinator {

bool IsPartialInterval(int64_t start_offset_us, int64_t end_offset_us,
                       const rig::v1::Plan& plan) {
  const int64_t nominal_us =
      absl::ToInt64Microseconds(FromProto(plan.load().report_interval()));
  return end_offset_us - start_offset_us < nominal_us / 2;
}

}  // namespace rig::coordinator
