#!/usr/bin/env python3
"""Writes captures/mqtt_crafted.pcap and the fuzz seeds in corpus/.

No MQTT capture exists under /work/shared/pcaps (no TCP 1883 traffic in any file), so this
script builds two conversations by hand, byte by byte, to the OASIS specifications: an MQTT
3.1.1 session and an MQTT 5.0 session exercising every packet type the dissector reports. The
packets were checked with `tshark -r captures/mqtt_crafted.pcap -T fields -e mqtt.msgtype`.
Segments deliberately carry several packets, and one packet is split across two segments.
Run: python3 make_mqtt_capture.py (from this folder); the output is deterministic.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def vbi(n):
    out = b""
    while True:
        b = n % 128
        n //= 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def s(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack(">H", len(data)) + data


def packet(ptype, flags, body):
    return bytes([(ptype << 4) | flags]) + vbi(len(body)) + body


def props(raw=b""):
    return vbi(len(raw)) + raw


# MQTT 3.1.1 (level 4): client 10.0.0.1:50000 -> broker 10.0.0.2:1883
V4_C = [
    # CONNECT: clean session, will (qos 1, retain) + user name + password, keep alive 60
    packet(1, 0, s("MQTT") + bytes([4, 0x02 | 0x04 | 0x08 | 0x20 | 0x80 | 0x40]) +
           struct.pack(">H", 60) + s("plc-gw-01") + s("plant/status") + s("offline") +
           s("operator") + s("secret")),
    # SUBSCRIBE id 1: two filters, qos 1 and 2
    packet(8, 2, struct.pack(">H", 1) + s("plant/+/temp") + b"\x01" +
           s("plant/alarms/#") + b"\x02"),
    # PUBLISH qos 0 and PUBLISH qos 1 id 2 (one segment)
    packet(3, 0, s("plant/line1/setpoint") + b"42.5") +
    packet(3, 2 | 1, s("plant/line1/mode") + struct.pack(">H", 2) + b"auto"),
    # PUBREC, then PUBCOMP for the broker's qos 2 publish id 7
    packet(5, 0, struct.pack(">H", 7)),
    packet(7, 0, struct.pack(">H", 7)),
    packet(12, 0, b""),                               # PINGREQ
    packet(10, 2, struct.pack(">H", 3) + s("plant/alarms/#")),  # UNSUBSCRIBE id 3
    packet(14, 0, b""),                               # DISCONNECT
]
V4_S = [
    packet(2, 0, b"\x00\x00"),                        # CONNACK accepted
    packet(9, 0, struct.pack(">H", 1) + b"\x01\x80"), # SUBACK id 1: qos 1, failure
    packet(4, 0, struct.pack(">H", 2)),               # PUBACK id 2
    packet(3, 4, s("plant/line1/temp") + struct.pack(">H", 7) + b"21.7"),  # PUBLISH qos 2
    packet(6, 2, struct.pack(">H", 7)),               # PUBREL id 7
    packet(13, 0, b""),                               # PINGRESP
    packet(11, 0, struct.pack(">H", 3)),              # UNSUBACK id 3
]
# Interleaving: (direction, index) in capture order
V4_ORDER = [("c", 0), ("s", 0), ("c", 1), ("s", 1), ("c", 2), ("s", 2), ("s", 3), ("c", 3),
            ("s", 4), ("c", 4), ("c", 5), ("s", 5), ("c", 6), ("s", 6), ("c", 7)]

# MQTT 5.0 (level 5): client 10.0.0.3:50001 -> broker 10.0.0.2:1883
V5_C = [
    # CONNECT: clean start, no user name, session expiry property, client id "sensor-5"
    packet(1, 0, s("MQTT") + bytes([5, 0x02]) + struct.pack(">H", 30) +
           props(b"\x11\x00\x00\x00\x78") + s("sensor-5")),
    # PUBLISH qos 1 id 10 with a content-type property, split over two segments below
    packet(3, 2, s("site/meter/power") + struct.pack(">H", 10) + props(b"\x03" + s("text/plain")) +
           b"1234.5" * 20),
    # SUBSCRIBE id 11: one filter, no-local option + qos 1, subscription identifier property
    packet(8, 2, struct.pack(">H", 11) + props(b"\x0b\x05") + s("site/cmd/#") + b"\x05"),
    packet(14, 0, b"\x00" + props()),                 # DISCONNECT normal, empty properties
]
V5_S = [
    packet(2, 0, b"\x00\x00" + props(b"\x21\x00\x0a")),  # CONNACK success, receive maximum
    packet(4, 0, struct.pack(">H", 10) + b"\x10"),       # PUBACK id 10, no matching subscribers
    packet(9, 0, struct.pack(">H", 11) + props() + b"\x01"),  # SUBACK granted qos 1
]
V5_ORDER = [("c", 0), ("s", 0), ("c", 1), ("s", 1), ("c", 2), ("s", 2), ("c", 3)]


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = bytes(src) + bytes(dst) + struct.pack(">BBH", 0, 6, len(tcp) + len(payload))
    csum = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack(">H", csum) + tcp[18:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack(">H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


def conversation(client, sport, cpkts, spkts, order, split=None):
    """Frames for one TCP conversation: handshake, data segments in `order`, FIN exchange."""
    broker = [10, 0, 0, 2]
    cseq, sseq = 1000, 5000
    out = [frame(client, broker, sport, 1883, cseq, 0, 0x02, b""),
           frame(broker, client, 1883, sport, sseq, cseq + 1, 0x12, b"")]
    cseq += 1
    sseq += 1
    for side, i in order:
        data = cpkts[i] if side == "c" else spkts[i]
        pieces = [data]
        if split is not None and (side, i) == split:
            pieces = [data[:25], data[25:]]  # one packet across two segments
        for piece in pieces:
            if side == "c":
                out.append(frame(client, broker, sport, 1883, cseq, sseq, 0x18, piece))
                cseq += len(piece)
            else:
                out.append(frame(broker, client, 1883, sport, sseq, cseq, 0x18, piece))
                sseq += len(piece)
    out.append(frame(client, broker, sport, 1883, cseq, sseq, 0x11, b""))
    out.append(frame(broker, client, 1883, sport, sseq, cseq + 1, 0x11, b""))
    return out


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + n // 10, (n % 10) * 100000, len(data),
                                len(data)))
            f.write(data)


def main():
    frames = conversation([10, 0, 0, 1], 50000, V4_C, V4_S, V4_ORDER)
    frames += conversation([10, 0, 0, 3], 50001, V5_C, V5_S, V5_ORDER, split=("c", 1))
    os.makedirs(os.path.join(HERE, "captures"), exist_ok=True)
    write_pcap(os.path.join(HERE, "captures", "mqtt_crafted.pcap"), frames)
    # Fuzz seeds: byte 0 seeds the chunking, byte 1 * 4 is where the server stream starts.
    os.makedirs(os.path.join(HERE, "corpus"), exist_ok=True)
    for name, cpkts, spkts in (("v311_session", V4_C, V4_S), ("v5_session", V5_C, V5_S)):
        client = b"".join(cpkts)
        client = client + b"\x00" * ((-len(client)) % 4)  # the split point is a multiple of 4
        with open(os.path.join(HERE, "corpus", name), "wb") as f:
            f.write(bytes([7, min(len(client) // 4, 255)]) + client + b"".join(spkts))
    with open(os.path.join(HERE, "corpus", "oversized_remaining_length"), "wb") as f:
        f.write(bytes([3, 1]) + b"\x30\xff\xff\xff\x7f\x00\x03abc" + b"\xc0\x00")


if __name__ == "__main__":
    main()
