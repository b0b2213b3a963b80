#!/usr/bin/python3
"""Deterministic capture generator for Limen's own test captures.

Reads scenario descriptions pcaps/scenarios/*.scn and writes pcaps/<scenario>.pcap: classic
pcap, little-endian, microsecond timestamps, link type Ethernet (1), snaplen 65535.
Run with the Debian interpreter (/usr/bin/python3) and Debian's python3-scapy.

    generate.py                 regenerate every scenario into pcaps/
    generate.py --check         regenerate into a temp dir, compare with pcaps/*.pcap, exit 1 on
                                the first difference (naming the file)
    generate.py [--out DIR] [FILE.scn ...]

Nothing depends on the wall clock or on randomness: ISNs, IP ids, ephemeral ports, ICMP ids and
"opaque" payload bytes are derived with SHA-256 from the scenario name and the statement's
position, so two runs give byte-identical files.

Scenario format (one statement per line, '#' starts a comment, shell-like quoting, so adjacent
quoted strings join; a line ending in a backslash continues on the next line):

    start 2026-03-02T08:00:00Z          capture start (UTC); this is also the default
    host NAME MAC ADDRESS [vlan ID[,INNER]] [ttl N]
                                        ADDRESS is IPv4 or IPv6. "vlan 10" = 802.1Q tag 10;
                                        "vlan 100,10" = QinQ, outer 802.1ad tag 100, inner 10

Conversations start at AT seconds (decimal, µs resolution) after the start; frames of all
conversations are merged in time order (ties keep file order). Within a conversation each frame
is "step" seconds after the previous one (default 0.0002). Header options: "from PORT" (client
port, else derived), "step SEC", "vlan ID[,INNER]" (else the client's tags, else the server's).

    tcp AT CLIENT -> SERVER:PORT [from P] [step S] [vlan V] [mss N] [dstopts]
        > PAYLOAD                       client sends (split in MSS-sized segments)
        < PAYLOAD                       server sends
        wait SEC                        idle time
        fin [client|server]             FIN/ACK, FIN/ACK, ACK, started by that side (client)
        rst [client|server]             RST/ACK from that side (client)
      The three-way handshake is implicit. Each message is acknowledged by a pure ACK unless
      the next statement is a message from the peer. No fin/rst = connection left open.
      "dstopts" puts an IPv6 Destination Options header (PadN) in every frame.
    udp AT CLIENT -> SERVER:PORT [from P] [step S] [vlan V]
        > [frag N [order I,J,...]] PAYLOAD   one datagram; "frag N" sends it as N IP fragments
        < [frag N [order I,J,...]] PAYLOAD   (IPv4 or IPv6 fragment header), in the given order
        wait SEC
    refused AT CLIENT -> SERVER:PORT[,PORT...] [from P] [step S]
                                        SYN to each port, answered by RST/ACK (closed port)
    ping AT CLIENT -> SERVER [count N] [size N] [interval SEC] [step S]
                                        ICMP or ICMPv6 echo request/reply pairs
    packet AT tcp|udp|icmp SRC -> DST[:PORT] [from P] [LAYER.FIELD=VALUE ...] [snap=N] [PAYLOAD]
                                        one frame with scapy fields forced, for hostile input:
                                        LAYER is eth, ip, ip6, tcp, udp or icmp (e.g. ip.ihl=3,
                                        ip.len=1400, tcp.dataofs=2, tcp.flags=PA, udp.len=4);
                                        snap=N records only the first N bytes (orig_len kept)
    raw AT HEX...                       one Ethernet frame given byte by byte

PAYLOAD is one of:
    hex HEX...                          bytes, spaces allowed
    text "STRING"                       latin-1 text with \\r \\n \\xHH escapes
    bytes N                             N opaque (pseudo-random, derived) bytes
    modbus TID UNIT FUNC HEX...         Modbus/TCP ADU; the MBAP length is computed
    dns-query ID NAME                   DNS query, type A, class IN, recursion desired
    dns-answer ID NAME ADDRESS [TTL]    DNS response with one A record
    tls-client-hello SNI                TLS 1.3 ClientHello with server_name SNI
"""

import argparse
import calendar
import datetime
import filecmp
import ipaddress
import pathlib
import struct
import sys
import tempfile

sys.dont_write_bytecode = True  # keep pcaps/ free of __pycache__

from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, IPv6,  # noqa: E402
                                IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, PadN)
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

from scenario_syntax import (LocatedError, ScenarioError, derive, for_each_body_line,  # noqa: E402
                             parse_int, parse_options, parse_payload, parse_vlans,
                             read_statements, seconds_to_us, side, split_endpoints)

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_START = "2026-03-02T08:00:00Z"
SNAPLEN = 65535
LINKTYPE_ETHERNET = 1
TCP_WINDOW = 64240


# --- frame building -----------------------------------------------------------------------------

class Host:
    def __init__(self, name, mac, address, vlans, ttl):
        self.name, self.mac, self.address, self.vlans, self.ttl = name, mac, address, vlans, ttl
        self.is_v6 = address.version == 6


class Capture:
    """Frames of one scenario, and the per-host state (IP id counters) that builds them."""

    def __init__(self, name):
        self.name = name
        self.start = calendar.timegm(datetime.datetime.strptime(
            DEFAULT_START, "%Y-%m-%dT%H:%M:%SZ").timetuple())
        self.hosts = {}
        self.frames = []      # (time_us, file_order, bytes, orig_len)
        self.ip_ids = {}

    def host(self, name):
        if name not in self.hosts:
            raise ScenarioError(f"unknown host '{name}'")
        return self.hosts[name]

    def next_ip_id(self, host):
        value = self.ip_ids.get(host.name, derive(self.name, "ipid", host.name) & 0xFFFF)
        self.ip_ids[host.name] = (value + 1) & 0xFFFF
        return value

    def l3(self, src, dst, proto, dont_fragment=True, dstopts=False):
        if src.is_v6 != dst.is_v6:
            raise ScenarioError(f"{src.name} and {dst.name} are not of the same IP version")
        if src.is_v6:
            layer = IPv6(src=str(src.address), dst=str(dst.address), hlim=src.ttl)
            if dstopts:
                layer = layer / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])
            return layer
        return IP(src=str(src.address), dst=str(dst.address), ttl=src.ttl, proto=proto,
                  id=self.next_ip_id(src), flags="DF" if dont_fragment else 0)

    def add(self, time_us, src, dst, vlans, l3_packet, snap=None):
        frame = Ether(src=src.mac, dst=dst.mac)
        if len(vlans) == 2:
            frame = frame / Dot1AD(vlan=vlans[0]) / Dot1Q(vlan=vlans[1])
        elif len(vlans) == 1:
            frame = frame / Dot1Q(vlan=vlans[0])
        self.add_raw(time_us, bytes(frame / l3_packet), snap)

    def add_raw(self, time_us, data, snap=None):
        captured = data[:snap] if snap is not None else data
        self.frames.append((time_us, len(self.frames), captured, len(data)))

    def write(self, path):
        out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN,
                                    LINKTYPE_ETHERNET))
        for time_us, _, data, orig_len in sorted(self.frames, key=lambda f: (f[0], f[1])):
            seconds, micros = divmod(time_us, 1000000)
            out += struct.pack("<IIII", self.start + seconds, micros, len(data), orig_len) + data
        path.write_bytes(bytes(out))


class Conversation:
    """Common header of tcp/udp/refused/ping: endpoints, ports, clock, VLAN tags."""

    def __init__(self, cap, index, stmt, flags=(), valued=()):
        if len(stmt.tokens) < 2:
            raise ScenarioError("expected a start time")
        self.cap, self.index = cap, index
        self.time = seconds_to_us(stmt.tokens[1])
        client, server, ports, rest = split_endpoints(stmt.tokens[2:])
        self.client, self.server = cap.host(client), cap.host(server)
        self.ports = ([parse_int(p, 0, 0xFFFF, "port") for p in ports.split(",")]
                      if ports else [])
        self.options = parse_options(rest, flags, ("from", "step", "vlan") + tuple(valued))
        self.sport = (parse_int(self.options["from"], 0, 0xFFFF, "port")
                      if "from" in self.options else 49152 + derive(cap.name, index) % 16384)
        self.step = seconds_to_us(self.options.get("step", "0.0002"))
        self.vlans = (parse_vlans(self.options["vlan"]) if "vlan" in self.options
                      else self.client.vlans or self.server.vlans)

    def one_port(self):
        if len(self.ports) != 1:
            raise ScenarioError("expected exactly one server port")
        return self.ports[0]

    def send(self, from_client, l4, dont_fragment=True, dstopts=False):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        proto = {TCP: 6, UDP: 17, ICMP: 1}.get(type(l4), 0)
        l3 = self.cap.l3(src, dst, proto, dont_fragment, dstopts)
        self.cap.add(self.time, src, dst, self.vlans, l3 / l4)
        self.time += self.step

    def send_l3(self, from_client, l3_packet):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        self.cap.add(self.time, src, dst, self.vlans, l3_packet)
        self.time += self.step


def emit_tcp(cap, index, stmt, path):
    conv = Conversation(cap, index, stmt, flags=("dstopts",), valued=("mss",))
    dport = conv.one_port()
    mss = parse_int(conv.options.get("mss", "1440" if conv.client.is_v6 else "1460"),
                    1, 65535, "MSS")
    dstopts = "dstopts" in conv.options
    seq = {True: derive(cap.name, index, "isn", "client") & 0xFFFFFFFF,
           False: derive(cap.name, index, "isn", "server") & 0xFFFFFFFF}
    state = {"open": True}

    def segment(from_client, flags, payload=b"", options=()):
        ports = (conv.sport, dport) if from_client else (dport, conv.sport)
        l4 = TCP(sport=ports[0], dport=ports[1], seq=seq[from_client],
                 ack=seq[not from_client] if "A" in flags else 0, flags=flags,
                 window=TCP_WINDOW, options=list(options))
        conv.send(from_client, l4 / Raw(payload) if payload else l4, dstopts=dstopts)
        used = len(payload) + (1 if ("S" in flags or "F" in flags) else 0)
        seq[from_client] = (seq[from_client] + used) & 0xFFFFFFFF

    segment(True, "S", options=[("MSS", mss)])
    segment(False, "SA", options=[("MSS", mss)])
    segment(True, "A")

    def step(i, tokens):
        verb = tokens[0]
        if verb != "wait" and not state["open"]:
            raise ScenarioError("connection already closed")
        if verb in (">", "<"):
            from_client = verb == ">"
            payload = parse_payload(tokens[1:], (cap.name, index, i))
            if not payload:
                raise ScenarioError("empty TCP payload")
            for offset in range(0, len(payload), mss):
                segment(from_client, "PA", payload[offset:offset + mss])
            following = stmt.body[i + 1][1][0] if i + 1 < len(stmt.body) else None
            if following != ("<" if from_client else ">"):
                segment(not from_client, "A")
        elif verb == "wait" and len(tokens) == 2:
            conv.time += seconds_to_us(tokens[1])
        elif verb == "fin":
            first = side(tokens)
            segment(first, "FA")
            segment(not first, "FA")
            segment(first, "A")
            state["open"] = False
        elif verb == "rst":
            segment(side(tokens), "RA")
            state["open"] = False
        else:
            raise ScenarioError(f"unknown tcp step '{' '.join(tokens)}'")

    for_each_body_line(path, stmt, step)


def fragments(data, count, order):
    size = -(-len(data) // count)
    size += -size % 8
    pieces = [(offset, data[offset:offset + size]) for offset in range(0, len(data), size)]
    if len(pieces) != count:
        raise ScenarioError(f"{len(data)} bytes cannot be cut in {count} fragments")
    if sorted(order) != list(range(count)):
        raise ScenarioError(f"order must be a permutation of 0..{count - 1}")
    return [(pieces[k][0], pieces[k][1], k == count - 1) for k in order]


def emit_udp(cap, index, stmt, path):
    conv = Conversation(cap, index, stmt)
    dport = conv.one_port()

    def step(i, tokens):
        verb = tokens[0]
        if verb == "wait" and len(tokens) == 2:
            conv.time += seconds_to_us(tokens[1])
            return
        if verb not in (">", "<"):
            raise ScenarioError(f"unknown udp step '{' '.join(tokens)}'")
        from_client, rest = verb == ">", tokens[1:]
        count, order = 1, None
        if rest[:1] == ["frag"] and len(rest) > 1:
            count, rest = parse_int(rest[1], 2, 64, "fragment count"), rest[2:]
            if rest[:1] == ["order"] and len(rest) > 1:
                order = [parse_int(k, 0, 63, "fragment index") for k in rest[1].split(",")]
                rest = rest[2:]
        payload = parse_payload(rest, (cap.name, index, i))
        ports = (conv.sport, dport) if from_client else (dport, conv.sport)
        udp = UDP(sport=ports[0], dport=ports[1]) / Raw(payload)
        if count == 1:
            conv.send(from_client, udp, dont_fragment=False)
            return
        src, dst = (conv.client, conv.server) if from_client else (conv.server, conv.client)
        whole = cap.l3(src, dst, 17, dont_fragment=False)
        header_len = 40 if src.is_v6 else 20
        datagram = bytes(whole / udp)[header_len:]
        frag_id = whole.id if not src.is_v6 else derive(cap.name, index, i, "frag") & 0xFFFFFFFF
        for offset, piece, last in fragments(datagram, count, order or list(range(count))):
            if src.is_v6:
                l3 = (IPv6(src=str(src.address), dst=str(dst.address), hlim=src.ttl)
                      / IPv6ExtHdrFragment(nh=17, offset=offset // 8, m=0 if last else 1,
                                           id=frag_id))
            else:
                l3 = IP(src=str(src.address), dst=str(dst.address), ttl=src.ttl, proto=17,
                        id=frag_id, flags=0 if last else "MF", frag=offset // 8)
            conv.send_l3(from_client, l3 / Raw(piece))

    for_each_body_line(path, stmt, step)


def emit_refused(cap, index, stmt, _path):
    conv = Conversation(cap, index, stmt)
    if not conv.ports or stmt.body:
        raise ScenarioError("refused takes one or more ports and no body")
    for port in conv.ports:
        isn = derive(cap.name, index, "isn", port) & 0xFFFFFFFF
        conv.send(True, TCP(sport=conv.sport, dport=port, seq=isn, flags="S", window=1024,
                            options=[("MSS", 1460)]))
        conv.send(False, TCP(sport=port, dport=conv.sport, seq=0, ack=(isn + 1) & 0xFFFFFFFF,
                             flags="RA", window=0))


def emit_ping(cap, index, stmt, _path):
    conv = Conversation(cap, index, stmt, valued=("count", "size", "interval"))
    if conv.ports or stmt.body:
        raise ScenarioError("ping takes no port and no body")
    count = parse_int(conv.options.get("count", "1"), 1, 1000, "count")
    size = parse_int(conv.options.get("size", "32"), 0, 1400, "size")
    interval = seconds_to_us(conv.options.get("interval", "1"))
    ident = derive(cap.name, index, "icmp") & 0xFFFF
    data = bytes(0x61 + k % 23 for k in range(size))
    start = conv.time
    for number in range(1, count + 1):
        conv.time = start + (number - 1) * interval
        if conv.client.is_v6:
            conv.send(True, ICMPv6EchoRequest(id=ident, seq=number, data=data))
            conv.send(False, ICMPv6EchoReply(id=ident, seq=number, data=data))
        else:
            conv.send(True, ICMP(type=8, id=ident, seq=number) / Raw(data), dont_fragment=False)
            conv.send(False, ICMP(type=0, id=ident, seq=number) / Raw(data), dont_fragment=False)


def emit_packet(cap, index, stmt, _path):
    tokens = stmt.tokens
    if len(tokens) < 6 or tokens[2] not in ("tcp", "udp", "icmp") or stmt.body:
        raise ScenarioError("expected 'packet AT tcp|udp|icmp SRC -> DST[:PORT] ...'")
    time = seconds_to_us(tokens[1])
    src_name, dst_name, ports, rest = split_endpoints(tokens[3:])
    src, dst = cap.host(src_name), cap.host(dst_name)
    dport = parse_int(ports, 0, 0xFFFF, "port") if ports else 0
    sport = 49152 + derive(cap.name, index) % 16384
    overrides, snap = [], None
    while rest and (rest[0] == "from" or "=" in rest[0]):
        if rest[0] == "from" and len(rest) > 1:
            sport, rest = parse_int(rest[1], 0, 0xFFFF, "port"), rest[2:]
            continue
        name, _, value = rest.pop(0).partition("=")
        if name == "snap":
            snap = parse_int(value, 0, SNAPLEN, "snap length")
        else:
            overrides.append((name, value))
    payload = parse_payload(rest, (cap.name, index)) if rest else b""
    l3 = cap.l3(src, dst, {"tcp": 6, "udp": 17, "icmp": 1}[tokens[2]])
    if tokens[2] == "tcp":
        l4 = TCP(sport=sport, dport=dport, flags="PA", window=TCP_WINDOW,
                 seq=derive(cap.name, index, "seq") & 0xFFFFFFFF,
                 ack=derive(cap.name, index, "ack") & 0xFFFFFFFF)
    elif tokens[2] == "udp":
        l4 = UDP(sport=sport, dport=dport)
    else:
        l4 = ICMP(type=8, id=derive(cap.name, index, "icmp") & 0xFFFF, seq=1)
    eth = Ether(src=src.mac, dst=dst.mac)
    layers = {"eth": eth, "ip6" if src.is_v6 else "ip": l3, tokens[2]: l4}
    for name, value in overrides:
        layer_name, _, field = name.partition(".")
        layer = layers.get(layer_name)
        if layer is None or field not in [f.name for f in layer.fields_desc]:
            raise ScenarioError(f"cannot set '{name}' on this packet")
        try:
            setattr(layer, field, int(value, 0))
        except ValueError:
            setattr(layer, field, value)
    frame = eth
    if len(src.vlans) == 2:
        frame = frame / Dot1AD(vlan=src.vlans[0]) / Dot1Q(vlan=src.vlans[1])
    elif src.vlans:
        frame = frame / Dot1Q(vlan=src.vlans[0])
    frame = frame / l3 / l4
    cap.add_raw(time, bytes(frame / Raw(payload) if payload else frame), snap)


def emit_raw(cap, _index, stmt, _path):
    if len(stmt.tokens) < 3 or stmt.body:
        raise ScenarioError("expected 'raw AT HEX...'")
    try:
        data = bytes.fromhex("".join(stmt.tokens[2:]))
    except ValueError as err:
        raise ScenarioError(f"bad hex: {err}") from None
    cap.add_raw(seconds_to_us(stmt.tokens[1]), data)


def add_host(cap, stmt):
    tokens = stmt.tokens
    if len(tokens) < 4 or stmt.body:
        raise ScenarioError("expected 'host NAME MAC ADDRESS [vlan ID[,INNER]] [ttl N]'")
    name, mac = tokens[1], tokens[2].lower()
    if name in cap.hosts:
        raise ScenarioError(f"host '{name}' defined twice")
    parts = mac.split(":")
    if len(parts) != 6 or any(len(p) != 2 or any(c not in "0123456789abcdef" for c in p)
                              for p in parts):
        raise ScenarioError(f"bad MAC '{tokens[2]}'")
    try:
        address = ipaddress.ip_address(tokens[3])
    except ValueError:
        raise ScenarioError(f"bad address '{tokens[3]}'") from None
    options = parse_options(tokens[4:], valued=("vlan", "ttl"))
    cap.hosts[name] = Host(name, mac, address,
                           parse_vlans(options["vlan"]) if "vlan" in options else (),
                           parse_int(options.get("ttl", "64"), 1, 255, "TTL"))


EMITTERS = {"tcp": emit_tcp, "udp": emit_udp, "refused": emit_refused, "ping": emit_ping,
            "packet": emit_packet, "raw": emit_raw}


def build(path, out_dir):
    cap = Capture(path.stem)
    conversation = 0
    for stmt in read_statements(path):
        verb = stmt.tokens[0]
        try:
            if verb == "start" and len(stmt.tokens) == 2 and not stmt.body:
                try:
                    when = datetime.datetime.strptime(stmt.tokens[1], "%Y-%m-%dT%H:%M:%SZ")
                except ValueError:
                    raise ScenarioError("start wants YYYY-MM-DDTHH:MM:SSZ") from None
                cap.start = calendar.timegm(when.timetuple())
            elif verb == "host":
                add_host(cap, stmt)
            elif verb in EMITTERS:
                if verb not in ("tcp", "udp") and stmt.body:
                    raise ScenarioError(f"'{verb}' takes no indented body")
                EMITTERS[verb](cap, conversation, stmt, path)
                conversation += 1
            else:
                raise ScenarioError(f"unknown statement '{verb}'")
        except LocatedError:
            raise
        except ScenarioError as err:
            raise LocatedError(f"{path}:{stmt.line}: {err}") from None
    target = out_dir / f"{cap.name}.pcap"
    cap.write(target)
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temp dir and compare with the committed files")
    parser.add_argument("--out", type=pathlib.Path, default=HERE, help="output directory")
    parser.add_argument("scenarios", nargs="*", type=pathlib.Path)
    args = parser.parse_args()
    scenarios = args.scenarios or sorted((HERE / "scenarios").glob("*.scn"))
    args.out.mkdir(parents=True, exist_ok=True)
    if not scenarios:
        print("generate.py: no scenario found", file=sys.stderr)
        return 2
    try:
        if not args.check:
            for scenario in scenarios:
                print(f"{scenario.name} -> {build(scenario, args.out)}")
            return 0
        failed = False
        with tempfile.TemporaryDirectory() as tmp:
            for scenario in scenarios:
                fresh = build(scenario, pathlib.Path(tmp))
                committed = args.out / fresh.name
                if not committed.exists():
                    print(f"generate.py --check: {committed} is missing", file=sys.stderr)
                    failed = True
                elif not filecmp.cmp(fresh, committed, shallow=False):
                    print(f"generate.py --check: {committed} differs from what {scenario} "
                          f"generates; run pcaps/generate.py", file=sys.stderr)
                    failed = True
        if not failed:
            print(f"generate.py --check: {len(scenarios)} capture(s) reproducible")
        return 1 if failed else 0
    except ScenarioError as err:
        print(f"generate.py: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
