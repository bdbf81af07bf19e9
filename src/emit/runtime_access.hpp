// How the emit functions reach the process-wide pipeline (runtime.cpp).
#pragma once

#include "emit/pipeline.hpp"

namespace streamll::detail {

// Holds the published pipeline for the duration of one call, so that
// shutdown() cannot retire it meanwhile. Empty when no runtime runs.
class PipelineRef {
 public:
  PipelineRef();
  ~PipelineRef();
  PipelineRef(const PipelineRef&) = delete;
  PipelineRef& operator=(const PipelineRef&) = delete;

  explicit operator bool() const { return pipeline_ != nullptr; }
  Pipeline* operator->() const { return pipeline_; }
  Pipeline& operator*() const { return *pipeline_; }

 private:
  Pipeline* pipeline_ = nullptr;
};

// A cheap check (one relaxed load) for the no-runtime fast path.
bool runtime_active();

// emit_event() for an event whose data its maker wrote as JSON text (see
// Pipeline::submit_encoded()); false when no runtime runs or the event was
// filtered out, dropped or refused.
bool emit_encoded(Event&& envelope, std::string&& data_json);

// In a child forked from a process with a runtime, says once on stderr that
// its events are not recorded (see forked_from_runtime()).
void note_if_forked();

}  // namespace streamll::detail
