"""Scenario text helpers for generate.py: tokens, numbers, derived values and payload builders.

Everything here is pure: the same text gives the same bytes. Values that a capture tool would
pick at random (ISNs, ports, ids, "encrypted" bytes) come from derive()/opaque(), i.e. SHA-256
of the scenario name and the statement's position.
"""

import codecs
import decimal
import hashlib
import ipaddress
import shlex
import struct


class ScenarioError(Exception):
    pass


def derive(*parts):
    """A stable 64-bit number from the given parts (replaces every random choice)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def opaque(n, *key):
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(("\x1f".join(str(k) for k in key) + f"#{counter}").encode()).digest()
        counter += 1
    return bytes(out[:n])


def seconds_to_us(text):
    try:
        value = decimal.Decimal(text) * 1000000
    except decimal.InvalidOperation:
        raise ScenarioError(f"bad time '{text}'") from None
    if value < 0 or value != value.to_integral_value():
        raise ScenarioError(f"time '{text}' must be >= 0 with at most µs resolution")
    return int(value)


def parse_int(text, lo, hi, what):
    try:
        value = int(text, 0)
    except ValueError:
        raise ScenarioError(f"bad {what} '{text}'") from None
    if not lo <= value <= hi:
        raise ScenarioError(f"{what} {value} out of range {lo}..{hi}")
    return value


def parse_vlans(text):
    tags = tuple(parse_int(t, 0, 4095, "VLAN id") for t in text.split(","))
    if len(tags) > 2:
        raise ScenarioError("at most two VLAN tags (QinQ)")
    return tags


# --- payload builders -------------------------------------------------------------------------

def dns_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        if not 0 < len(label) < 64:
            raise ScenarioError(f"bad DNS label in '{name}'")
        out += bytes([len(label)]) + label.encode("ascii")
    return bytes(out + b"\x00")


def tls_client_hello(sni, key):
    def ext(ext_type, body):
        return struct.pack("!HH", ext_type, len(body)) + body

    host = sni.encode("ascii")
    server_name = struct.pack("!HBH", len(host) + 3, 0, len(host)) + host
    extensions = b"".join([
        ext(0x0000, server_name),
        ext(0x000a, bytes.fromhex("0006001d00170018")),          # x25519, P-256, P-384
        ext(0x000b, bytes.fromhex("0100")),                      # uncompressed points
        ext(0x000d, bytes.fromhex("000a04030804040105010201")),  # signature algorithms
        ext(0x002b, bytes.fromhex("0403040303")),                # TLS 1.3, TLS 1.2
        ext(0x002d, bytes.fromhex("0101")),                      # psk_dhe_ke
        ext(0x0033, bytes.fromhex("0024001d0020") + opaque(32, *key, "share")),
    ])
    suites = bytes.fromhex("130113021303c02bc02fc02cc030")
    body = (b"\x03\x03" + opaque(32, *key, "random") + b"\x20" + opaque(32, *key, "session")
            + struct.pack("!H", len(suites)) + suites + b"\x01\x00"
            + struct.pack("!H", len(extensions)) + extensions)
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def parse_payload(tokens, key):
    if not tokens:
        raise ScenarioError("missing payload")
    kind, args = tokens[0], tokens[1:]
    try:
        if kind == "hex":
            return bytes.fromhex("".join(args))
        if kind == "text" and len(args) == 1:
            return codecs.decode(args[0], "unicode_escape").encode("latin-1")
        if kind == "bytes" and len(args) == 1:
            return opaque(parse_int(args[0], 0, 1 << 20, "size"), *key)
        if kind == "modbus" and len(args) >= 3:
            tid = parse_int(args[0], 0, 0xFFFF, "transaction id")
            unit = parse_int(args[1], 0, 0xFF, "unit id")
            pdu = bytes.fromhex(args[2] + "".join(args[3:]))
            return struct.pack("!HHHB", tid, 0, len(pdu) + 1, unit) + pdu
        if kind == "dns-query" and len(args) == 2:
            txid = parse_int(args[0], 0, 0xFFFF, "DNS id")
            return (struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0) + dns_name(args[1])
                    + struct.pack("!HH", 1, 1))
        if kind == "dns-answer" and len(args) in (3, 4):
            txid = parse_int(args[0], 0, 0xFFFF, "DNS id")
            ttl = parse_int(args[3], 0, 0x7FFFFFFF, "TTL") if len(args) == 4 else 300
            address = ipaddress.IPv4Address(args[2]).packed
            return (struct.pack("!HHHHHH", txid, 0x8180, 1, 1, 0, 0) + dns_name(args[1])
                    + struct.pack("!HHHHHIH", 1, 1, 0xC00C, 1, 1, ttl, 4) + address)
        if kind == "tls-client-hello" and len(args) == 1:
            return tls_client_hello(args[0], key)
    except ValueError as err:
        raise ScenarioError(f"bad {kind} payload: {err}") from None
    raise ScenarioError(f"unknown or malformed payload '{' '.join(tokens)}'")


# --- scenario parsing ---------------------------------------------------------------------------

class Statement:
    def __init__(self, line, tokens):
        self.line, self.tokens, self.body = line, tokens, []


def logical_lines(path):
    """(first line number, text) with lines ending in a backslash joined to the next one."""
    pending, first = None, 0
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if pending is not None:
            text, number = pending + text.lstrip(), first
        if text.endswith("\\"):
            pending, first = text[:-1], number
            continue
        pending = None
        yield number, text
    if pending is not None:
        raise LocatedError(f"{path}:{first}: continued line at end of file")


def read_statements(path):
    statements = []
    for number, text in logical_lines(path):
        try:
            tokens = shlex.split(text, comments=True)
        except ValueError as err:
            raise LocatedError(f"{path}:{number}: {err}") from None
        if not tokens:
            continue
        if text[0].isspace():
            if not statements:
                raise LocatedError(f"{path}:{number}: indented line outside a conversation")
            statements[-1].body.append((number, tokens))
        else:
            statements.append(Statement(number, tokens))
    return statements


def split_endpoints(tokens):
    """SRC -> DST[:PORTS] OPTIONS... -> (src, dst, ports text or None, options)."""
    if len(tokens) < 3 or tokens[1] != "->":
        raise ScenarioError("expected 'SRC -> DST'")
    dst, _, ports = tokens[2].partition(":")
    return tokens[0], dst, ports or None, tokens[3:]


def parse_options(tokens, flags=(), valued=()):
    options, i = {}, 0
    while i < len(tokens):
        name = tokens[i]
        if name in flags:
            options[name] = True
            i += 1
        elif name in valued and i + 1 < len(tokens):
            options[name] = tokens[i + 1]
            i += 2
        else:
            raise ScenarioError(f"unexpected '{name}'")
    return options


class LocatedError(ScenarioError):
    """A ScenarioError that already names its file and line."""


def for_each_body_line(path, stmt, handler):
    for i, (number, tokens) in enumerate(stmt.body):
        try:
            handler(i, tokens)
        except LocatedError:
            raise
        except ScenarioError as err:
            raise LocatedError(f"{path}:{number}: {err}") from None


def side(tokens):
    if len(tokens) > 2 or (len(tokens) == 2 and tokens[1] not in ("client", "server")):
        raise ScenarioError(f"expected '{tokens[0]} [client|server]'")
    return len(tokens) == 1 or tokens[1] == "client"
