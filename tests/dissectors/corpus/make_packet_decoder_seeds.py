#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_packet_decoder into packet_decoder/.

Input format of the fuzz target: one byte choosing the link type (index into its kLinks table:
0 null, 1 ethernet, 2 raw, 3 loop, 4 linux_sll, 5 ipv4, 6 ipv6, 7 linux_sll2), then frames,
each preceded by a 2-byte big-endian length."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packet_decoder")


def ipv4(proto, payload, ident=0x1234, flags_offset=0, options=b""):
    hl = 20 + len(options)
    return struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(payload), ident,
                       flags_offset, 64, proto, 0, bytes([10, 0, 0, 1]),
                       bytes([10, 0, 0, 2])) + options + payload


def ipv6(nxt, rest):
    return struct.pack("!IHBB", 0x60000000, len(rest), nxt, 64) + \
        bytes(15) + b"\x01" + bytes(15) + b"\x02" + rest


def tcp(sport, dport, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 2, 0x50, 0x18, 8192, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def frames(link, *fs):
    return bytes([link]) + b"".join(struct.pack("!H", len(f)) + f for f in fs)


def main():
    os.makedirs(HERE, exist_ok=True)
    eth = bytes(range(12))
    seeds = {
        "ethernet_qinq_tcp": frames(1, eth + b"\x88\xa8\x00\x0a\x81\x00\x00\x14\x08\x00" +
                                    ipv4(6, tcp(502, 40000, b"\x00\x01\x00\x00\x00\x06"),
                                         options=b"\x01\x01\x01\x00")),
        "sll_udp": frames(4, b"\x00\x00\x00\x01\x00\x06" + bytes(8) + b"\x08\x00" +
                          ipv4(17, udp(20000, 53, b"abc"))),
        "null_ipv6_ext_chain": frames(0, b"\x18\x00\x00\x00" +
                                      ipv6(0, b"\x2b\x00" + bytes(6) + b"\x3c\x00" + bytes(6) +
                                           b"\x06\x00" + bytes(6) + tcp(80, 1234, b"GET"))),
        "ipv4_fragments": frames(5, ipv4(17, udp(1, 2, bytes(16))[:16], 7, 0x2000),
                                 ipv4(17, udp(1, 2, bytes(16))[16:], 7, 2)),
        "ipv6_fragments": frames(6, ipv6(44, b"\x11\x00\x00\x01\x00\x00\x00\x09" +
                                         udp(5, 6, bytes(8))),
                                 ipv6(44, b"\x11\x00\x00\x10\x00\x00\x00\x09" + bytes(8))),
        "sll2_icmpv6": frames(7, b"\x86\xdd\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06" +
                              bytes(8) + ipv6(58, b"\x80\x00\x00\x00\x00\x01\x00\x01")),
        "loop_icmp": frames(3, b"\x00\x00\x00\x02" + ipv4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01")),
        "raw_ipv6_esp": frames(2, ipv6(50, bytes(16))),
    }
    for name, data in seeds.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
