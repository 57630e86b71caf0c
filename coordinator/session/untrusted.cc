#include "coordinator/session/untrusted.h"

#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace rig::coordinator {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string ScrubString(std::string text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\t' || c == '\n' || c == '\r') {
      text[i] = ' ';
    } else if (c < 0x20 || c == 0x7f) {
      text[i] = '?';
    } else if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        text.replace(i, 2, "?");
      }
    }
  }
  return text;
}

void ScrubStrings(Message* message) {
  const Reflection* r = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        f->type() != FieldDescriptor::TYPE_BYTES) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, f); ++i) {
          r->SetRepeatedString(
              message, f, i, ScrubString(r->GetRepeatedString(*message, f, i)));
        }
      } else {
        r->SetString(message, f, ScrubString(r->GetString(*message, f)));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      // Map entries are messages too (key and value fields).
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, f); ++i) {
          ScrubStrings(r->MutableRepeatedMessage(message, f, i));
        }
      } else {
        ScrubStrings(r->MutableMessage(message, f));
      }
    }
  }
}

}  // namespace rig::coordinator
