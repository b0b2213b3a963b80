#!/usr/bin/env python3
"""Writes the fuzz_enip seed corpus: byte 0 seeds the chunking, byte 1 * 4 is where the input
splits into the request stream and the reply stream (see fuzz_enip.cpp)."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def encap(command, data, session=0x1234, context=1):
    return struct.pack("<HHIIQI", command, len(data), session, 0, context, 0) + data


def rr(cip, context=1):
    items = struct.pack("<HHHH", 0, 0, 0xB2, len(cip)) + cip
    return encap(0x6F, struct.pack("<IHH", 0, 5, 2) + items, context=context)


def unit(cip, conn, seq):
    items = struct.pack("<HHI", 0xA1, 4, conn) + struct.pack("<HHH", 0xB1, len(cip) + 2, seq) + cip
    return encap(0x70, struct.pack("<IHH", 0, 0, 2) + items, context=0)


def req(service, path, data=b""):
    return bytes([service, len(path) // 2]) + path + data


def resp(service, status=0, data=b""):
    return bytes([service | 0x80, 0, status, 0]) + data


def msp(members):
    out = struct.pack("<H", len(members))
    offset = 2 + 2 * len(members)
    for m in members:
        out += struct.pack("<H", offset)
        offset += len(m)
    return out + b"".join(members)


def ucs(embedded):
    data = struct.pack("<BBH", 0x0A, 0xF0, len(embedded)) + embedded
    if len(embedded) % 2:
        data += b"\0"
    return req(0x52, bytes([0x20, 0x06, 0x24, 0x01]), data + bytes([1, 0, 1, 0]))


def seed(name, requests, replies, chunk=7):
    split = (len(requests) + 3) // 4
    requests += b"\0" * (split * 4 - len(requests))  # zero nops pad the split point
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(bytes([chunk, split]) + requests + replies)


os.makedirs(HERE, exist_ok=True)
ident = bytes([0x20, 0x01, 0x24, 0x01, 0x30, 0x07])
seed("get_attribute", rr(req(0x0E, ident)), rr(resp(0x0E, 0, b"\x04abcd")))
seed("stop_routed", rr(ucs(req(0x07, bytes([0x20, 0x8E, 0x24, 0x01])))), rr(resp(0x07)), 3)
seed("multiple", unit(req(0x0A, bytes([0x20, 0x02, 0x24, 0x01]),
                          msp([req(0x4C, b"\x91\x03tag\0", b"\x01\0"), req(0x06, ident)])), 9, 3),
     unit(resp(0x0A, 0, msp([resp(0x4C, 0, b"\xc4\0\1\0\0\0"), resp(0x06)])), 10, 3), 11)
seed("register_list", encap(0x65, b"\1\0\0\0", 0) + encap(0x63, b"", 0),
     encap(0x65, b"\1\0\0\0", 0x99)
     + encap(0x63, struct.pack("<HHH", 1, 0x0C, 4) + b"\1\0\0\0", 0), 1)
