#pragma once

// What the coordinator takes from an agent, which may be any peer that got
// past the channel's TLS and token: its text goes to a terminal, its numbers
// into sums, its lists into memory. The limits here keep a lying or broken
// agent from corrupting the report, the terminal or the coordinator.

#include <cstdint>
#include <string>

#include "google/protobuf/message.h"

namespace rig::coordinator {

// Bounds on what one run keeps from all agents together. Breaker events past
// theirs are refused and counted (agent_messages_refused); rounds past theirs
// are journaled and counted into one verification check; error samples are
// samples (the first ones are kept, every error is in the counters).
inline constexpr int kMaxErrorSamples = 100;
inline constexpr int kMaxBreakerEvents = 10000;
inline constexpr int kMaxScenarioRounds = 200000;
// An offset an agent sends (microseconds since its Start) is taken only in
// [0, kMaxOffsetUs]: 10^13 us is about 115 days, so sums of offsets stay far
// from overflowing.
inline constexpr int64_t kMaxOffsetUs = 10'000'000'000'000;
inline bool SaneOffsets(int64_t start_us, int64_t end_us) {
  return start_us >= 0 && start_us <= end_us && end_us <= kMaxOffsetUs;
}

// Replaces terminal control characters in every string field of `message`,
// nested messages, lists and maps included: C0 controls and DEL (ESC starts
// the escape sequences that recolour, move or retitle a terminal) and the
// C1 controls as UTF-8 (U+0080..U+009F; U+009B is a CSI of its own). Tab,
// newline and carriage return become a space, the rest '?'. Bytes fields are
// left alone (encoded histograms).
void ScrubStrings(google::protobuf::Message* message);
std::string ScrubString(std::string text);

}  // namespace rig::coordinator
