#!/usr/bin/env python3
"""Writes the fuzz_opcua seed corpus (corpus/*). Each seed: byte 0 seeds the chunking, byte 1
times 4 is where the client stream ends, then the client stream, then the server stream."""
import struct
from pathlib import Path


def le32(v):
    return struct.pack('<I', v & 0xFFFFFFFF)


def s(x):
    return le32(len(x)) + x


N = le32(0xFFFFFFFF)
RH = bytes([2, 1, 0]) + le32(5) + bytes(8) + le32(1) + le32(0) + N + le32(0) + bytes(3)
RESP = bytes(8) + le32(1) + le32(0) + b'\0' + N + bytes(3)
NONE = b'http://opcfoundation.org/UA/SecurityPolicy#None'
BASIC = b'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256'


def chunk(t, c, body):
    return t + c + le32(len(body) + 8) + body


def node4(i):
    return bytes([1, 0, i & 0xFF, i >> 8])


HEL = chunk(b'HEL', b'F', le32(0) + le32(65535) * 2 + le32(0) * 2 + s(b'opc.tcp://plc:4840'))
ACK = chunk(b'ACK', b'F', le32(0) + le32(65535) * 2 + le32(0) * 2)
ERR = chunk(b'ERR', b'F', le32(0x80820000) + s(b'bye'))


def opn(policy=NONE, mode=1):
    return chunk(b'OPN', b'F', le32(0) + s(policy) + N + N + le32(1) + le32(1) + node4(446) + RH +
                 le32(0) + le32(0) + le32(mode) + N + le32(600000))


OPR = chunk(b'OPN', b'F', le32(7) + s(NONE) + N + N + le32(51) + le32(1) + node4(449) + RESP +
            le32(0) + le32(7) + le32(1) + bytes(8) + le32(600000) + N)


def msg(rid, svc, rest, c=b'F'):
    return chunk(b'MSG', c, le32(7) + le32(1) + le32(rid + 100) + le32(rid) + node4(svc) + rest)


def act(rid, token):
    return msg(rid, 467, RH + N + N + N + le32(1) + s(b'en') + node4(token) + b'\x01' +
               s(b'user') + N + N)


def seed(name, client, last, server, chunking):
    """`last(pad)` builds the final client message with `pad` trailing bytes, so that the client
    stream is a multiple of 4 bytes long and byte 1 can say where it ends."""
    pad = (-(len(client) + len(last(b'')))) % 4
    client += last(bytes(pad))
    assert len(client) % 4 == 0 and len(client) // 4 < 256, name
    data = bytes([chunking, len(client) // 4]) + client + server
    (Path(__file__).parent / 'corpus' / name).write_bytes(data)


seed('read_none', HEL + opn(), lambda p: msg(2, 631, RH + p), ACK + OPR + msg(2, 634, RESP), 3)
seed('activate_user', opn(), lambda p: act(4, 324) + msg(5, 673, RH + p),
     OPR + msg(4, 470, RESP) + msg(5, 397, RESP), 17)
seed('secured', HEL + opn(BASIC, 3), lambda p: msg(2, 631, RH + p), ACK + ERR, 40)
seed('multichunk_call', opn(),
     lambda p: msg(5, 712, RH, b'C') +
     chunk(b'MSG', b'F', le32(7) + le32(1) + le32(106) + le32(5) + bytes(12) + p),
     OPR + msg(5, 715, RESP), 99)
