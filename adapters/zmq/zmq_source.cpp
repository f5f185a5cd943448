#include "adapters/zmq/zmq_source.hpp"

#include <fstream>
#include <zmq.hpp>

namespace sbtg::adapters {

struct ZmqSource::Socket {
  zmq::context_t context{1};
  zmq::socket_t socket;
  explicit Socket(zmq::socket_type type) : socket(context, type) {}
};

namespace {

bool IsLoopback(const std::string& e) {
  for (const char* p : {"tcp://127.0.0.1:", "tcp://localhost:", "tcp://[::1]:", "ipc://", "inproc://"}) {
    if (e.rfind(p, 0) == 0) return true;
  }
  return false;
}

Result<std::vector<std::string>> ReadNamesFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::IoError(path + ": cannot open names file");
  std::vector<std::string> names;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

}  // namespace

ZmqSource::ZmqSource(const ZmqIngestOptions& options, std::unique_ptr<Socket> socket, std::string endpoint)
    : options_(options), socket_(std::move(socket)), endpoint_(std::move(endpoint)), stream_(options.stream) {
  info_.n = options.n;
  info_.names = options.names.empty() ? DefaultNeuronNames(options.n) : options.names;
  info_.frame_period = options.frame_period;
  info_.description = std::string("zmq ") + (options.subscribe ? "sub " : "pull ") + endpoint_;
}

ZmqSource::~ZmqSource() = default;

Result<std::unique_ptr<ZmqSource>> ZmqSource::Create(const ZmqIngestOptions& options) {
  if (options.n < 1) return Status::InvalidArgument("zmq source: n must be given (values per frame), e.g. ?n=100");
  if (!options.names.empty() && static_cast<Eigen::Index>(options.names.size()) != options.n) {
    return Status::InvalidArgument("zmq source: " + std::to_string(options.names.size()) + " names for n = " +
                                   std::to_string(options.n));
  }
  const bool bind = options.bind < 0 ? !options.subscribe : options.bind == 1;
  if (bind && !options.allow_remote && !IsLoopback(options.endpoint)) {
    return Status::InvalidArgument("zmq source: binding '" + options.endpoint +
                                   "' beyond loopback must be explicit (allow_remote=1)");
  }
  ZmqIngestOptions o = options;
  if (o.max_bytes == 0) o.max_bytes = 65536 + 8 * static_cast<std::size_t>(o.n);
  try {
    auto s = std::make_unique<Socket>(o.subscribe ? zmq::socket_type::sub : zmq::socket_type::pull);
    s->socket.set(zmq::sockopt::rcvtimeo, o.receive_timeout_ms);
    s->socket.set(zmq::sockopt::linger, 0);
    s->socket.set(zmq::sockopt::rcvhwm, 10000);
    if (o.subscribe) s->socket.set(zmq::sockopt::subscribe, o.topic);
    std::string endpoint = o.endpoint;
    if (bind) {
      s->socket.bind(o.endpoint);
      endpoint = s->socket.get(zmq::sockopt::last_endpoint);
    } else {
      s->socket.connect(o.endpoint);
    }
    return std::unique_ptr<ZmqSource>(new ZmqSource(o, std::move(s), endpoint));
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("zmq source: cannot " + std::string(bind ? "bind" : "connect") + " '" + o.endpoint +
                               "': " + e.what());
  }
}

Result<std::unique_ptr<ZmqSource>> ZmqSource::FromSpec(const SourceSpec& spec) {
  SBTG_RETURN_IF_ERROR(spec.CheckKeys({"n", "mode", "bind", "topic", "stream", "period", "names", "max_bytes",
                                       "allow_remote"}));
  ZmqIngestOptions o;
  o.endpoint = spec.target;
  auto n = SpecInt(spec, "n", 0);
  if (!n.ok()) return n.status();
  o.n = *n;
  const std::string mode = spec.Get("mode", "pull");
  if (mode != "pull" && mode != "sub") return Status::InvalidArgument("--source zmq: mode must be pull or sub");
  o.subscribe = mode == "sub";
  if (spec.Has("bind")) o.bind = spec.Get("bind") == "1" ? 1 : 0;
  o.topic = spec.Get("topic");
  o.stream = spec.Get("stream");
  auto period = SpecDouble(spec, "period", 0.0);
  if (!period.ok()) return period.status();
  o.frame_period = *period;
  auto max_bytes = SpecInt(spec, "max_bytes", 0);
  if (!max_bytes.ok()) return max_bytes.status();
  o.max_bytes = static_cast<std::size_t>(*max_bytes);
  o.allow_remote = spec.Get("allow_remote", "0") == "1";
  if (spec.Has("names")) {
    auto names = ReadNamesFile(spec.Get("names"));
    if (!names.ok()) return names.status();
    o.names = std::move(*names);
  }
  return Create(o);
}

void ZmqSource::Handle(SourceContext& ctx, const std::vector<std::string>& parts) {
  const FrameHandle h = parts.size() == 3 ? ctx.Acquire() : kNoFrame;
  if (parts.size() == 3 && h == kNoFrame) return;  // pool exhausted: counted by the context
  Frame* f = h == kNoFrame ? nullptr : &ctx.frame(h);
  IngestExtras extras;
  const auto err = DecodeIngest(parts, options_.n, stream_, options_.max_bytes, f, extras);
  if (err) {
    if (h != kNoFrame) ctx.Discard(h);
    ctx.Reject(err->reason, err->detail);
    return;
  }
  if (stream_.empty()) stream_ = extras.stream;  // lock onto the first stream seen
  if (!extras.names.empty()) ctx.SetNames(extras.names);
  if (extras.is_meta) return;
  f->arrival_ns = SteadyNanos();
  (void)ctx.Push(h);
}

Status ZmqSource::Run(SourceContext& ctx) {
  std::vector<std::string> parts;
  zmq::message_t msg;
  while (!ctx.stop_requested()) {
    parts.clear();
    bool more = true;
    bool got = false;
    while (more) {
      try {
        const auto r = socket_->socket.recv(msg, zmq::recv_flags::none);
        if (!r) break;  // timeout: check the stop flag
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) break;
        return Status::IoError(std::string("zmq source: receive failed: ") + e.what());
      }
      got = true;
      // Parts beyond the fourth are counted in the size but not kept (the message is malformed anyway).
      if (parts.size() < 4) parts.emplace_back(msg.data<char>(), msg.size());
      more = msg.more();
    }
    if (got && !more) Handle(ctx, parts);
  }
  return Status::Ok();
}

}  // namespace sbtg::adapters
