#!/usr/bin/env python3
"""Writes the fuzz seeds in corpus/: TPKT/COTP frames of S7comm and S7comm-plus conversations.
The first byte of each seed is the chunking seed the fuzz target reads."""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def dt(user, eot=True):
    n = 7 + len(user)
    return bytes([3, 0, n >> 8, n & 255, 2, 0xF0, 0x80 if eot else 0]) + user


def s7(rosctr, ref, params, data=b"", ec=0, ecode=0):
    h = bytes([0x32, rosctr, 0, 0, ref >> 8, ref & 255, len(params) >> 8, len(params) & 255,
               len(data) >> 8, len(data) & 255])
    if rosctr in (2, 3):
        h += bytes([ec, ecode])
    return h + params + data


CR = bytes([3, 0, 0, 0x16, 0x11, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2])
DOWNLOAD = s7(1, 5, bytes([0x1A, 0, 1, 0, 0, 0, 0, 0, 9]) + b"_0A00001P")
SEEDS = {
    "setup_stop": CR + dt(s7(1, 1, bytes([0xF0, 0, 0, 1, 0, 1, 1, 0xE0])))
    + dt(s7(3, 1, bytes([0xF0, 0, 0, 1, 0, 1, 0, 0xF0])))
    + dt(s7(1, 2, bytes([0x29, 0, 0, 0, 0, 0, 9]) + b"P_PROGRAM")),
    "read_write": dt(s7(1, 3, bytes([0x04, 1, 0x12, 0x0A, 0x10, 2, 0, 4, 0, 0, 0x83, 0, 0, 0x50])))
    + dt(s7(3, 3, bytes([4, 1]), bytes([0xFF, 4, 0, 0x20, 1, 2, 3, 4])))
    + dt(s7(1, 4, bytes([0x05, 1, 0x12, 0x0A, 0x10, 2, 0, 2, 0, 1, 0x84, 0, 0, 0x20]),
            bytes([0, 4, 0, 0x10, 0xAB, 0xCD]))),
    "download_segmented": dt(DOWNLOAD[:6], False) + dt(DOWNLOAD[6:])
    + dt(s7(1, 6, bytes([0x28, 0, 0, 0, 0, 0, 0, 0xFD, 0, 10, 1, 0]) + b"0A00001P" + bytes([5])
            + b"_INSE")),
    "userdata_szl": dt(s7(7, 7, bytes([0, 1, 0x12, 4, 0x11, 0x44, 1, 0]),
                          bytes([0xFF, 9, 0, 4, 1, 0x32, 0, 4])))
    + dt(s7(7, 8, bytes([0, 1, 0x12, 4, 0x11, 0x45, 1, 0]),
            bytes([0xFF, 9, 0, 8]) + b"\x21\x3a\x1b\x1d\x6e\x68\x1b\x1d")),
    "plus": dt(bytes.fromhex("7201000e31000004ca00000001000001203672010000"))
    + dt(bytes.fromhex("7202000a31000005420000000200007202000000"))
    + dt(bytes.fromhex("7203002520") + bytes(32) + bytes.fromhex("310000054c00000003")),
}

if __name__ == "__main__":
    for i, (name, data) in enumerate(SEEDS.items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(bytes([(0x11 * (i + 1)) & 0xFF]) + data)
