// Industrial sessions of the mix: a master (HMI, SCADA front end, engineering station) keeps a
// TCP connection to an outstation and polls it at a fixed cycle, as control systems do, with
// the occasional write or command among the reads.

#include <algorithm>
#include <array>
#include <string_view>

#include "ics_messages.h"
#include "session.h"
#include "tcp_conn.h"

namespace limen::bench {
namespace {

// The connection, the poll cycle and the request/answer timing shared by every protocol.
class PollSession : public Session {
 public:
  std::uint64_t step(SessionContext& ctx, std::uint64_t now) final {
    switch (state_) {
      case State::kOpen:
        state_ = State::kBegin;
        if (duration_ != kDone) end_ = now + duration_;
        return conn_.open(now, rtt_) + ctx.rng.between(100, 3000);
      case State::kBegin:
        state_ = State::kPoll;
        return next_poll(ctx, now, begin(ctx, now));
      case State::kPoll:
        if (ctx.winding_down || now >= end_) {
          conn_.close(Dir::kToServer, now, rtt_);
          return kDone;
        }
        return next_poll(ctx, now, poll(ctx, now));
    }
    return kDone;
  }

 protected:
  PollSession(SessionContext& ctx, const Host& master, const Host& outstation, std::uint16_t port,
              std::uint64_t duration, std::uint64_t cycle)
      : conn_(client_conn(ctx, master, false, outstation, port)),
        rtt_(ctx.rng.between32(150, 2000)),
        duration_(duration),
        cycle_(cycle) {}

  // The protocol's connection set-up and its polls; each returns the time of its last frame.
  virtual std::uint64_t begin(SessionContext& ctx, std::uint64_t t) = 0;
  virtual std::uint64_t poll(SessionContext& ctx, std::uint64_t t) = 0;

  // A request from the master at t and the answer after the outstation's processing time;
  // returns the time of the answer's last segment.
  std::uint64_t exchange(SessionContext& ctx, std::uint64_t t, const Bytes& request,
                         const Bytes& answer) {
    t = conn_.send(Dir::kToServer, t, request);
    return conn_.send(Dir::kToClient, t + rtt_ / 2 + ctx.rng.log_between(300, 15000), answer);
  }
  // The master's next message, shortly after the last one it received.
  std::uint64_t soon(SessionContext& ctx, std::uint64_t t) const {
    return t + rtt_ / 2 + ctx.rng.between(100, 1500);
  }

  TcpConn conn_;
  std::uint32_t rtt_;

 private:
  enum class State : std::uint8_t { kOpen, kBegin, kPoll };

  // The cycle keeps its phase (with a little jitter); a slow answer delays the next poll. A
  // master whose next poll is far off sends its delayed ACK of the answer in between.
  std::uint64_t next_poll(SessionContext& ctx, std::uint64_t now, std::uint64_t last) {
    const std::uint64_t jitter = cycle_ / 50;
    const std::uint64_t next =
        std::max(now + cycle_ - jitter + ctx.rng.below(2 * jitter + 1), last + 500);
    if (next > last + 60 * kMs) conn_.ack(Dir::kToServer, last + 40 * kMs);
    return next;
  }

  std::uint64_t duration_;
  std::uint64_t cycle_;
  std::uint64_t end_ = kDone;
  State state_ = State::kOpen;
};

class ModbusSession final : public PollSession {
 public:
  ModbusSession(SessionContext& ctx, const Host& master, const Host& plc, std::uint64_t duration)
      : PollSession(ctx, master, plc, 502, duration, ctx.rng.log_between(100 * kMs, 2 * kSecond)),
        unit_(ctx.rng.chance(70) ? 1 : static_cast<std::uint8_t>(ctx.rng.between(2, 247))) {}

 private:
  std::uint64_t begin(SessionContext& ctx, std::uint64_t t) override { return poll(ctx, t); }

  std::uint64_t poll(SessionContext& ctx, std::uint64_t t) override {
    Rng& rng = ctx.rng;
    const std::uint32_t requests = rng.between32(1, 3);
    for (std::uint32_t i = 0; i < requests; ++i) {
      if (i > 0) t = soon(ctx, t);
      const auto id = transaction_++;
      const auto address = static_cast<std::uint16_t>(rng.below(40) * 100);
      const std::uint32_t kind = rng.between32(0, 99);
      if (kind < 6) {
        const auto n = static_cast<std::uint16_t>(rng.between(1, 12));
        t = exchange(ctx, t, modbus_write_registers(rng, id, unit_, address, n),
                     modbus_write_response(id, unit_, address, n));
        continue;
      }
      // Holding and input registers mostly, coils and discrete inputs now and then.
      const std::uint8_t function = kind < 70 ? 3 : kind < 85 ? 4 : kind < 95 ? 1 : 2;
      const auto n = static_cast<std::uint16_t>(function >= 3 ? rng.log_between(1, 125)
                                                              : rng.log_between(1, 512));
      t = exchange(ctx, t, modbus_read(id, unit_, function, address, n),
                   modbus_read_response(rng, id, unit_, function, n));
    }
    return t;
  }

  std::uint8_t unit_;
  std::uint16_t transaction_ = 1;
};

class Dnp3Session final : public PollSession {
 public:
  Dnp3Session(SessionContext& ctx, const Host& master, const Host& outstation,
              std::uint64_t duration, std::uint16_t address)
      : PollSession(ctx, master, outstation, 20000, duration,
                    ctx.rng.log_between(500 * kMs, 5 * kSecond)),
        analogs_(static_cast<std::uint16_t>(ctx.rng.between(10, 200))),
        binaries_(static_cast<std::uint16_t>(ctx.rng.between(8, 256))) {
    link_.master = static_cast<std::uint16_t>(ctx.rng.between(1, 3));
    link_.outstation = address;
  }

 private:
  std::uint64_t begin(SessionContext& ctx, std::uint64_t t) override { return integrity(ctx, t); }

  std::uint64_t integrity(SessionContext& ctx, std::uint64_t t) {
    const std::uint8_t seq = next_seq();
    return exchange(ctx, t, dnp3_read_classes(link_, seq, 0x0F),
                    dnp3_static_response(link_, ctx.rng, seq, analogs_, binaries_));
  }

  std::uint64_t poll(SessionContext& ctx, std::uint64_t t) override {
    Rng& rng = ctx.rng;
    if (++polls_ % 30 == 0) return integrity(ctx, t);
    if (rng.chance(3)) {
      const std::uint8_t seq = next_seq();
      const auto index = static_cast<std::uint16_t>(rng.below(16));
      return exchange(ctx, t, dnp3_direct_operate(link_, seq, index, false),
                      dnp3_direct_operate(link_, seq, index, true));
    }
    const std::uint8_t seq = next_seq();
    const auto events = static_cast<std::uint16_t>(rng.chance(60) ? 0 : rng.log_between(1, 40));
    t = exchange(ctx, t, dnp3_read_classes(link_, seq, 0x0E),
                 dnp3_event_response(link_, rng, seq, events, false));
    if (rng.chance(10)) {
      // An unsolicited report between polls, which the master confirms.
      const std::uint8_t useq = unsolicited_seq_;
      unsolicited_seq_ = static_cast<std::uint8_t>((unsolicited_seq_ + 1) & 0x0F);
      const auto n = static_cast<std::uint16_t>(rng.log_between(1, 20));
      const Bytes report = dnp3_event_response(link_, rng, useq, n, true);
      t = conn_.send(Dir::kToClient, t + rng.between(50 * kMs, 300 * kMs), report);
      t = conn_.send(Dir::kToServer, soon(ctx, t), dnp3_confirm(link_, useq, true));
    }
    return t;
  }

  std::uint8_t next_seq() {
    const std::uint8_t s = app_seq_;
    app_seq_ = static_cast<std::uint8_t>((app_seq_ + 1) & 0x0F);
    return s;
  }

  Dnp3Link link_;
  std::uint16_t analogs_;
  std::uint16_t binaries_;
  std::uint8_t app_seq_ = 0;
  std::uint8_t unsolicited_seq_ = 0;
  std::uint32_t polls_ = 0;
};

class Iec104Session final : public PollSession {
 public:
  Iec104Session(SessionContext& ctx, const Host& master, const Host& outstation,
                std::uint64_t duration, std::uint16_t common_address)
      : PollSession(ctx, master, outstation, 2404, duration,
                    ctx.rng.log_between(200 * kMs, 5 * kSecond)),
        common_address_(common_address),
        points_(static_cast<std::uint8_t>(ctx.rng.between(20, 140))) {}

 private:
  static constexpr std::uint32_t kFirstIoa = 1001;
  static constexpr std::uint16_t kAckWindow = 8;  // w: acknowledge after 8 I frames

  // Sends from each side, keeping the receive counts of the other side current.
  std::uint64_t from_master(std::uint64_t t, const Bytes& frame) {
    t = conn_.send(Dir::kToServer, t, frame);
    outstation_.receive = master_.send;
    return t;
  }
  std::uint64_t from_outstation(SessionContext& ctx, std::uint64_t t, const Bytes& frame) {
    t = conn_.send(Dir::kToClient, t, frame);
    master_.receive = outstation_.send;
    if (++unacked_ >= kAckWindow) {
      unacked_ = 0;
      t = conn_.send(Dir::kToServer, soon(ctx, t), iec104_s(master_.receive));
    }
    return t;
  }

  std::uint64_t begin(SessionContext& ctx, std::uint64_t t) override {
    t = exchange(ctx, t, iec104_u(Iec104U::kStartAct), iec104_u(Iec104U::kStartCon));
    // General interrogation: confirmation, every point in sequences of floats, termination.
    t = from_master(soon(ctx, t), iec104_interrogation(master_, common_address_, 6));
    t = from_outstation(ctx, t + rtt_ / 2 + 500,
                        iec104_interrogation(outstation_, common_address_, 7));
    for (std::uint32_t first = 0; first < points_; first += 48) {
      const auto n = static_cast<std::uint8_t>(std::min<std::uint32_t>(48, points_ - first));
      const Bytes frame = iec104_measurements(outstation_, ctx.rng, common_address_,
                                              kFirstIoa + first, n, false, t);
      t = from_outstation(ctx, t + ctx.rng.between(200, 2000), frame);
    }
    return from_outstation(ctx, t + 500, iec104_interrogation(outstation_, common_address_, 10));
  }

  std::uint64_t poll(SessionContext& ctx, std::uint64_t t) override {
    Rng& rng = ctx.rng;
    const std::uint32_t kind = rng.between32(0, 99);
    if (kind < 3) {
      // Select, then execute, of a single command: each confirmed, the execution terminated.
      const auto ioa = static_cast<std::uint32_t>(5001 + rng.below(20));
      const bool on = rng.chance(50);
      for (const bool select : {true, false}) {
        t = from_master(t, iec104_single_command(master_, common_address_, ioa, on, select, 6));
        t = from_outstation(
            ctx, t + rtt_ / 2 + rng.between(500, 5000),
            iec104_single_command(outstation_, common_address_, ioa, on, select, 7));
        if (!select) {
          t = from_outstation(
              ctx, t + rng.between(5 * kMs, 80 * kMs),
              iec104_single_command(outstation_, common_address_, ioa, on, false, 10));
        }
        t = soon(ctx, t);
      }
      return t;
    }
    if (kind < 12) {
      return exchange(ctx, t, iec104_u(Iec104U::kTestAct), iec104_u(Iec104U::kTestCon));
    }
    // Spontaneous changes, time-tagged, the outstation sends on its own.
    const std::uint32_t frames = rng.between32(1, 3);
    for (std::uint32_t i = 0; i < frames; ++i) {
      const auto first = static_cast<std::uint32_t>(kFirstIoa + rng.below(points_));
      const auto n = static_cast<std::uint8_t>(rng.between(1, 6));
      const std::uint64_t at = t + rng.between(100, 3000);
      t = from_outstation(
          ctx, at, iec104_measurements(outstation_, rng, common_address_, first, n, true, at));
    }
    return t;
  }

  std::uint16_t common_address_;
  std::uint8_t points_;
  Iec104Seq master_;
  Iec104Seq outstation_;
  std::uint16_t unacked_ = 0;
};

class S7Session final : public PollSession {
 public:
  S7Session(SessionContext& ctx, const Host& master, const Host& plc, std::uint64_t duration,
            bool engineering)
      : PollSession(ctx, master, plc, 102, duration, ctx.rng.log_between(100 * kMs, 1 * kSecond)),
        write_percent_(engineering ? 20 : 3),
        local_ref_(static_cast<std::uint16_t>(ctx.rng.between(1, 0xFFFF))) {}

 private:
  std::uint64_t begin(SessionContext& ctx, std::uint64_t t) override {
    t = exchange(ctx, t, cotp_connect_request(local_ref_, 0, 2),
                 cotp_connect_confirm(local_ref_, 0x4431, 0, 2));
    const std::uint16_t ref = pdu_ref_++;
    return exchange(ctx, soon(ctx, t), s7_setup_communication(ref),
                    s7_setup_communication_ack(ref, 480));
  }

  std::uint64_t poll(SessionContext& ctx, std::uint64_t t) override {
    Rng& rng = ctx.rng;
    const std::uint16_t ref = pdu_ref_++;
    if (rng.chance(write_percent_)) {
      const S7Item item{static_cast<std::uint16_t>(rng.between(1, 20)),
                        static_cast<std::uint32_t>(rng.below(200) * 2),
                        static_cast<std::uint16_t>(rng.between(2, 16))};
      return exchange(ctx, t, s7_write_var(rng, ref, item), s7_write_var_ack(ref));
    }
    std::array<S7Item, 4> items{};
    const std::size_t n = rng.between(1, items.size());
    for (std::size_t i = 0; i < n; ++i) {
      items[i] = {static_cast<std::uint16_t>(rng.between(1, 100)),
                  static_cast<std::uint32_t>(rng.below(500) * 2),
                  static_cast<std::uint16_t>(rng.log_between(2, 96))};
    }
    const std::span<const S7Item> list(items.data(), n);
    return exchange(ctx, t, s7_read_var(ref, list), s7_read_var_ack(rng, ref, list));
  }

  std::uint32_t write_percent_;
  std::uint16_t local_ref_;
  std::uint16_t pdu_ref_ = 1;
};

class EnipSession final : public PollSession {
 public:
  EnipSession(SessionContext& ctx, const Host& master, const Host& plc, std::uint64_t duration)
      : PollSession(ctx, master, plc, 44818, duration, ctx.rng.log_between(100 * kMs, 2 * kSecond)),
        context_(ctx.rng.next()) {}

 private:
  static constexpr std::array<std::string_view, 8> kTags = {
      "Line1_Speed", "Tank2_Level",  "Pump3_Status", "Valve4_Position",
      "Oven_Temp",   "Conveyor_Run", "Alarm_Word",   "Batch_Count"};

  std::uint64_t begin(SessionContext& ctx, std::uint64_t t) override {
    const std::uint64_t c = context_++;
    session_ = static_cast<std::uint32_t>(ctx.rng.next()) | 1U;
    t = exchange(ctx, t, enip_register_session(c, 0), enip_register_session(c, session_));
    const std::uint64_t c2 = context_++;
    return exchange(ctx, soon(ctx, t), enip_get_identity_name(session_, c2),
                    enip_get_identity_name_reply(session_, c2, "1756-L73/B LOGIX5573"));
  }

  std::uint64_t poll(SessionContext& ctx, std::uint64_t t) override {
    Rng& rng = ctx.rng;
    const std::uint32_t reads = rng.between32(1, 3);
    for (std::uint32_t i = 0; i < reads; ++i) {
      if (i > 0) t = soon(ctx, t);
      const std::uint64_t c = context_++;
      const std::size_t tag = rng.below(kTags.size());
      if (rng.chance(4)) {
        t = exchange(ctx, t, enip_write_tag(rng, session_, c, kTags[tag], 0),
                     enip_write_tag_reply(session_, c));
        continue;
      }
      const auto n = static_cast<std::uint16_t>(rng.log_between(1, 40));
      t = exchange(ctx, t, enip_read_tag(session_, c, kTags[tag], n, 0),
                   enip_read_tag_reply(rng, session_, c, n, tag % 2 == 0));
    }
    return t;
  }

  std::uint64_t context_;
  std::uint32_t session_ = 0;
};

template <typename T>
const T& any_of(Rng& rng, const std::vector<T>& v) {
  return v[rng.below(v.size())];
}

}  // namespace

std::unique_ptr<Session> make_ics_session(SessionContext& ctx, IcsKind kind,
                                          std::uint64_t duration_us) {
  const Site& site = ctx.site;
  Rng& rng = ctx.rng;
  // Master first, then the outstation: one draw per statement (see client_conn()).
  const bool engineering = kind == IcsKind::kS7comm && rng.chance(15);
  const Host& master = engineering ? any_of(rng, site.engineering) : any_of(rng, site.hmis);
  switch (kind) {
    case IcsKind::kModbus:
      return std::make_unique<ModbusSession>(ctx, master, any_of(rng, site.modbus_plcs),
                                             duration_us);
    case IcsKind::kDnp3: {
      const std::size_t i = rng.below(site.dnp3_outstations.size());
      return std::make_unique<Dnp3Session>(ctx, master, site.dnp3_outstations[i], duration_us,
                                           static_cast<std::uint16_t>(10 + i));
    }
    case IcsKind::kIec104: {
      const std::size_t i = rng.below(site.iec104_outstations.size());
      return std::make_unique<Iec104Session>(ctx, master, site.iec104_outstations[i], duration_us,
                                             static_cast<std::uint16_t>(100 + i));
    }
    case IcsKind::kS7comm:
      return std::make_unique<S7Session>(ctx, master, any_of(rng, site.s7_plcs), duration_us,
                                         engineering);
    case IcsKind::kEnip:
      return std::make_unique<EnipSession>(ctx, master, any_of(rng, site.enip_plcs), duration_us);
  }
  return nullptr;
}

}  // namespace limen::bench
