// Sinks: where the emit pipeline delivers events besides the local store
// (a terminal, a JSONL file, anything a user writes).
//
// The pipeline calls a sink from that sink's own delivery thread, one batch
// at a time, never concurrently for one sink, behind its own buffer and
// circuit breaker (runtime.hpp): a sink that fails or stalls costs the
// application and the store nothing; what it misses is counted.
//
// A sink receives events as EventViews of the text the pipeline encoded once
// for the store (event_batch.hpp): data_json and tags_json are the JSON the
// store holds, so a sink that writes JSON copies text rather than serializing
// again. A sink that wants an owned Event with parsed data calls to_event().
#pragma once

#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "streamll/event.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/status.hpp"

namespace streamll {

class Sink {
 public:
  virtual ~Sink() = default;

  // A short name for counters and messages ("terminal", "jsonl:/tmp/x.jsonl").
  virtual std::string name() const = 0;

  // Delivers a batch, in emit order. The views are valid only during the
  // call. It may emit events (they queue like any other) but must not call
  // streamll::flush(), which waits for this sink. A non-ok Status (or an
  // exception, which the pipeline catches) counts as one failure for the
  // circuit breaker and the batch as missed by this sink. Called from one
  // thread at a time.
  virtual Status write(std::span<const EventView> batch) = 0;

  // Called when the pipeline flushes or shuts down: push out anything
  // buffered. The default does nothing.
  virtual Status flush() { return Status::ok_status(); }
};

// Prints one readable line per event: time, execution (short), indented
// event type, module, and the data. Colours when the stream is a terminal.
// Thread-safety: as every sink, called from one delivery thread.
class TerminalSink : public Sink {
 public:
  explicit TerminalSink(std::FILE* out = stdout);
  std::string name() const override { return "terminal"; }
  Status write(std::span<const EventView> batch) override;
  Status flush() override;

 private:
  std::FILE* out_;
  bool colour_;
};

// Writes each event as one JSON line (upstream's format, the JSON writer of
// event_json.hpp): appended to a file, or to a stream the caller holds (the
// CLI's `tail` and `replay` write stdout through it).
class JsonlSink : public Sink {
 public:
  // Appends to the file at `path`, created if needed (opened at the first
  // write, and again after a failed one). Each batch is one write(2);
  // flush() fsyncs.
  explicit JsonlSink(std::string path);
  // Writes to `out`, which the caller keeps open for the sink's life. Each
  // batch is one fwrite(); flush() fflushes. A null `out` fails each write
  // (InvalidArgument).
  explicit JsonlSink(std::FILE* out);
  ~JsonlSink() override;
  std::string name() const override { return "jsonl:" + path_; }
  Status write(std::span<const EventView> batch) override;
  Status flush() override;

 private:
  Status write_file(const std::string& text);

  std::string path_;
  int fd_ = -1;
  bool stream_ = false;  // writes to out_, not to the file at path_
  std::FILE* out_ = nullptr;
  std::string text_;  // the batch's lines; its capacity is kept
};

}  // namespace streamll
