#!/usr/bin/env python3
"""Writes the fuzz_dnp3 seed corpus: byte 0 seeds the chunking, the rest is DNP3 link frames
(CRCs computed here) carrying typical application fragments. Run from this folder."""

def crc16(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    crc ^= 0xFFFF
    return bytes([crc & 0xFF, crc >> 8])

def frame(control, dst, src, user):
    head = bytes([0x05, 0x64, len(user) + 5, control, dst & 0xFF, dst >> 8, src & 0xFF, src >> 8])
    out = head + crc16(head)
    for i in range(0, len(user), 16):
        out += user[i:i + 16] + crc16(user[i:i + 16])
    return out

def app(master, payload, seg=249):
    out, tseq = b"", 0
    chunks = [payload[i:i + seg] for i in range(0, len(payload), seg)] or [b""]
    for i, c in enumerate(chunks):
        th = tseq | (0x40 if i == 0 else 0) | (0x80 if i == len(chunks) - 1 else 0)
        out += frame(0xC4 if master else 0x44, 10 if master else 1, 1 if master else 10,
                     bytes([th]) + c)
        tseq = (tseq + 1) & 63
    return out

seeds = {
    "read_poll": app(True, bytes.fromhex("c0013c02063c03063c04063c0106"))
    + app(False, bytes.fromhex("c0818000") + bytes.fromhex("1e01000004") + bytes(25)),
    "cold_restart": app(True, bytes.fromhex("c00d")) + app(False, bytes.fromhex("c0810000340207011000")),
    "direct_operate": app(True, bytes.fromhex("c1050c0128010007004101e80300000000000000")),
    "file_open": app(True, bytes.fromhex("c219" "46035b011a00" + "00" * 26)),
    "unsolicited": app(False, bytes.fromhex("f5820200020117010381")) + app(True, bytes.fromhex("d500")),
    "big_response": app(False, bytes.fromhex("c0810000" "1e010100009500") + bytes(range(250)) * 3, 100),
    "link_only": frame(0xC0, 10, 1, b"") + frame(0x00, 1, 10, b"") + frame(0xC9, 10, 1, b""),
    "auth": app(True, bytes.fromhex("c605"))
    + app(False, bytes.fromhex("c683000078015b0102000102"))
    + app(True, bytes.fromhex("c62078025b01010009")),
}
for i, (name, data) in enumerate(seeds.items()):
    with open(name, "wb") as f:
        f.write(bytes([i * 38 & 0xFE]) + data)

# Records mode (odd first byte): (control, length, user data) records the fuzzer wraps in CRCs.
def records(*pairs):
    return b"".join(bytes([c, len(u)]) + u for c, u in pairs)

extra = {
    "records_read": records((0xC4, bytes.fromhex("c0c0013c0106")),
                            (0x44, bytes.fromhex("c0c08100001e01000001") + bytes(10))),
    "records_multi": records((0xC4, bytes.fromhex("40c002500100070701")),
                             (0xC4, bytes.fromhex("8132010701000000000000"))),
}
for i, (name, data) in enumerate(extra.items()):
    with open(name, "wb") as f:
        f.write(bytes([(i * 2 + 1) & 0xFF]) + data)
