#pragma once

// The one rule for the stub of an interval left when the load stops: a few
// ms, its end after the workers were joined. It is in the totals, the JSON
// and the journal, but shown as a rate it reads as a collapse of throughput,
// so the HTML charts leave it off (and say so) and the terminal prints no
// progress line for it. Pure; thread-safe.

#include <cstdint>

#include "rig/v1/plan.pb.h"

namespace rig::coordinator {

// True when [start_offset_us, end_offset_us] is shorter than half the plan's
// load.report_interval (its default filled when the plan was loaded).
bool IsPartialInterval(int64_t start_offset_us, int64_t end_offset_us,
                       const rig::v1::Plan& plan);

}  // namespace rig::coordinator
